"""A throwaway PostgreSQL server: initdb into a fresh directory, start it on loopback on
a free port, stop it and delete the directory afterwards. Tests and ``bench`` use it;
a real deployment points the ``postgres`` target at its own server instead.

Uses the server binaries of Debian's ``postgresql`` package (``scripts/engine_deps.sh``
installs it where missing). PostgreSQL refuses to run as root, so as root the server
runs as the ``postgres`` OS user (``runuser``), in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "k12ews"
DATABASE = "k12ews"
OS_USER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries, or the server did not start."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str
    data_dir: Path

    def env(self) -> dict[str, str]:
        """Environment variables the ``postgres`` dbt target and ``postgres_load`` read."""
        return {
            "K12EWS_PG_HOST": self.host,
            "K12EWS_PG_PORT": str(self.port),
            "K12EWS_PG_USER": self.user,
            "K12EWS_PG_PASSWORD": "",
            "K12EWS_PG_DATABASE": self.database,
        }


def bin_dir() -> Path:
    """Directory holding initdb and pg_ctl (newest Debian cluster version first)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
        reverse=True,
    )
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailableError(
        "no PostgreSQL server binaries (initdb); run `make engines-setup` "
        "(installs Debian's postgresql package)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", OS_USER, "--", *args]
    return args


def _run(args: list[str]) -> None:
    proc = subprocess.run(_as_server_user(args), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PostgresUnavailableError(
            f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )


@contextmanager
def running_postgres(start_timeout_s: float = 60.0) -> Iterator[PostgresServer]:
    """Start a new server on 127.0.0.1 and yield it; stop it and remove its files on exit."""
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="k12ews-pg-"))
    data_dir = root / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(root, user=OS_USER, group=OS_USER)
        root.chmod(0o700)
        _run(
            [
                str(binaries / "initdb"),
                "--pgdata",
                str(data_dir),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ]
        )
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            [
                str(binaries / "pg_ctl"),
                "start",
                "--pgdata",
                str(data_dir),
                "--options",
                options,
                "--log",
                str(root / "server.log"),
                "--wait",
                "--timeout",
                str(int(start_timeout_s)),
            ]
        )
        server = PostgresServer("127.0.0.1", port, SUPERUSER, DATABASE, data_dir)
        try:
            _create_database(server, start_timeout_s)
            yield server
        finally:
            _run([str(binaries / "pg_ctl"), "stop", "--pgdata", str(data_dir), "-m", "fast"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _create_database(server: PostgresServer, timeout_s: float) -> None:
    import psycopg2  # the driver dbt-postgres installs

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con = psycopg2.connect(
                host=server.host, port=server.port, user=server.user, dbname="postgres"
            )
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {server.database}")
    con.close()
