"""Benchmark: the SQL layer of one generated district built on DuckDB, PostgreSQL and
Spark (local), side by side, with the machine.

    python -m k12ews.engines.bench [--students N] [--years Y] [--first-year YYYY]
                                   [--engines duckdb,postgres,spark] [--work DIR]

Per engine: loading the raw contract from its Parquet files (DuckDB reads the
generated file in place), ``dbt seed`` and ``dbt run --selector sql_layer`` (models
only, no tests), each timed, and the peak memory of the engine's processes (sum of
resident memory over dbt and its children, such as Spark's JVM, plus the Postgres
server's processes), sampled every half second. Postgres is a throwaway server
(``postgres_server``) with its default settings; Spark runs in local mode with the
``spark`` target's settings (K12EWS_SPARK_* variables, e.g. driver memory). Run it
from the repository root, like dbt (``make bench-engines``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from k12ews.bench import machine
from k12ews.export import export_raw

ENGINES = ("duckdb", "postgres", "spark")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss(roots: list[int]) -> int:
    """Resident memory of processes ``roots`` and all their descendants, in bytes."""
    tree, seen, stack, total = _children(), set(), list(roots), 0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_bytes(pid)
        stack += tree.get(pid, [])
    return total


@dataclass
class PeakMemory:
    extra_roots: list[int] = field(default_factory=list)
    peak: int = 0

    @contextmanager
    def sampling(self, root: int) -> Iterator[None]:
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                self.peak = max(self.peak, tree_rss([root, *self.extra_roots]))
                stop.wait(0.5)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def run_timed(args: list[str], env: dict[str, str], memory: PeakMemory) -> float:
    """Seconds ``args`` took; raises with its output's tail when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=Path.cwd(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with memory.sampling(proc.pid):
        output, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{output[-3000:]}")
    return time.perf_counter() - start


@dataclass
class EngineTimes:
    engine: str
    load_s: float | None
    seed_s: float
    run_s: float
    peak_gib: float

    @property
    def total_s(self) -> float:
        return (self.load_s or 0.0) + self.seed_s + self.run_s


def _dbt(work: Path) -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt if dbt.exists() else "dbt")]


def _dbt_args(work: Path, target: str, command: str) -> list[str]:
    selection = ["--selector", "sql_layer"]
    paths = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    return [*_dbt(work), command, "--target", target, *selection, *paths, "--quiet"]


def bench_engine(engine: str, db: Path, parquet: Path, work: Path) -> EngineTimes:
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(Path.cwd()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    memory = PeakMemory()
    load_s: float | None = None
    if engine == "duckdb":
        local = work / "warehouse.duckdb"
        shutil.copy(db, local)
        env["K12EWS_DB"] = str(local)
        return _build(engine, "dev", env, work, memory, load_s)
    if engine == "postgres":
        from k12ews.engines.postgres_server import running_postgres

        with running_postgres() as server:
            env.update(server.env())
            pid_file = server.data_dir / "postmaster.pid"
            memory.extra_roots.append(int(pid_file.read_text().split()[0]))
            load = [sys.executable, "-m", "k12ews.engines.postgres_load", str(parquet)]
            load_s = run_timed(load, env, memory)
            return _build(engine, "postgres", env, work, memory, load_s)
    from k12ews.engines.spark_session import spark_env

    env.update(spark_env())
    env["K12EWS_SPARK_DIR"] = str(work / "spark")
    load_s = run_timed(
        [sys.executable, "-m", "k12ews.engines.spark_load", str(parquet)], env, memory
    )
    return _build(engine, "spark", env, work, memory, load_s)


def _build(
    engine: str,
    target: str,
    env: dict[str, str],
    work: Path,
    memory: PeakMemory,
    load_s: float | None,
) -> EngineTimes:
    seed_s = run_timed(_dbt_args(work, target, "seed"), env, memory)
    run_s = run_timed(_dbt_args(work, target, "run"), env, memory)
    return EngineTimes(engine, load_s, seed_s, run_s, memory.peak / 2**30)


def report(title: str, rows: list[EngineTimes]) -> str:
    lines = [
        title,
        f"machine: {machine()}",
        f"{'engine':<10}{'load s':>9}{'seed s':>9}{'run s':>9}{'total s':>10}{'peak GiB':>10}",
    ]
    for r in rows:
        load = f"{r.load_s:9.1f}" if r.load_s is not None else f"{'-':>9}"
        lines.append(
            f"{r.engine:<10}{load}{r.seed_s:9.1f}{r.run_s:9.1f}{r.total_s:10.1f}{r.peak_gib:10.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.bench")
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=12)
    parser.add_argument("--first-year", type=int, default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--work", type=Path, default=None, help="keep files here")
    args = parser.parse_args(argv)
    if not (Path.cwd() / "dbt_project.yml").is_file():
        parser.error("run from the dbt project's root (the directory with dbt_project.yml)")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {unknown}; choose from {', '.join(ENGINES)}")
    with tempfile.TemporaryDirectory(prefix="k12ews-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "district.duckdb"
        generate = [
            str(Path(sys.executable).parent / "k12ews"),
            "generate",
            "--db",
            str(db),
            "--students",
            str(args.students),
            "--years",
            str(args.years),
            "--seed",
            str(args.seed),
        ]
        if args.first_year:
            generate += ["--first-year", str(args.first_year)]
        memory = PeakMemory()
        gen_s = run_timed(generate, dict(os.environ), memory)
        print(
            f"generated {args.students:,} students a year x {args.years} years in "
            f"{gen_s:.0f} s (peak {memory.peak / 2**30:.1f} GiB)",
            flush=True,
        )
        parquet = work / "contract"
        rows = export_raw(db, parquet, "parquet")
        print(f"raw contract: {sum(rows.values()):,} rows as Parquet", flush=True)
        results = []
        for engine in engines:
            results.append(bench_engine(engine, db, parquet, work / engine))
            print(report("", results[-1:]).splitlines()[-1], flush=True)
        title = (
            f"SQL layer (dbt seed + run --selector sql_layer), {args.students:,} students a "
            f"year x {args.years} years"
        )
        print(report(title, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
