"""The one place that opens DuckDB and knows the schema names.

Writes are atomic: a whole schema is replaced inside one transaction, so a
failure half-way leaves the previous tables exactly as they were.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from k12ews import contract

RAW = "raw"
TRUTH = "truth"
# what the last `k12ews load` read, loaded and rejected (raw_loads, raw_rejects)
AUDIT = "audit"
DEFAULT_DB = Path("data") / "k12ews.duckdb"
DB_ENV = "K12EWS_DB"


def default_db_path() -> Path:
    """The database file: ``$K12EWS_DB`` or ``data/k12ews.duckdb`` (as profiles.yml)."""
    return Path(os.environ.get(DB_ENV, str(DEFAULT_DB)))


@contextmanager
def connect(
    path: Path | str | None = None, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    p = Path(path) if path is not None else default_db_path()
    if not read_only:
        p.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(p), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _ddl(table: contract.Table, schema: str) -> str:
    cols = ", ".join(f'"{c.name}" {c.type}' for c in table.columns)
    return f'CREATE TABLE {schema}."{table.name}" ({cols})'


def write_raw_and_truth(
    con: duckdb.DuckDBPyConnection,
    raw: Mapping[str, pd.DataFrame],
    truth: Mapping[str, pd.DataFrame],
) -> None:
    """Replace schemas ``raw`` and ``truth`` with these tables, in one transaction.

    Raw tables get the contract's column types (cast on insert), so a write
    fails rather than storing a value of the wrong type.
    """
    missing = [t.name for t in contract.TABLES if t.name not in raw]
    if missing:
        raise ValueError(f"raw tables missing from the write: {missing}")
    con.execute("BEGIN TRANSACTION")
    try:
        # the record of an earlier `k12ews load` no longer describes raw
        con.execute(f"DROP SCHEMA IF EXISTS {AUDIT} CASCADE")
        for schema in (RAW, TRUTH):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            con.execute(f"CREATE SCHEMA {schema}")
        for t in contract.TABLES:
            df = raw[t.name]
            con.execute(_ddl(t, RAW))
            con.register("_frame", df)
            casts = ", ".join(f'CAST("{c.name}" AS {c.type})' for c in t.columns)
            con.execute(f'INSERT INTO {RAW}."{t.name}" SELECT {casts} FROM _frame')
            con.unregister("_frame")
        for name, df in truth.items():
            con.register("_frame", df)
            # student ids join to raw, where the contract makes them VARCHAR
            select = (
                'SELECT * REPLACE (CAST("student_id" AS VARCHAR) AS "student_id") FROM _frame'
                if "student_id" in df.columns
                else "SELECT * FROM _frame"
            )
            con.execute(f'CREATE TABLE {TRUTH}."{name}" AS {select}')
            con.unregister("_frame")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def replace_raw_from_load(
    con: duckdb.DuckDBPyConnection,
    sources: Mapping[str, str],
    audit: Mapping[str, str],
) -> None:
    """Replace ``raw`` with checked rows, and ``audit`` with the load's records, atomically.

    ``sources`` maps each contract table to a relation (a temp table) holding exactly
    its rows; ``audit`` maps audit table names to relations. Schema ``truth`` is dropped
    in the same transaction: it belongs to a synthetic district's raw tables, and a
    loaded district has none. A failure anywhere leaves every schema as it was.
    """
    missing = [t.name for t in contract.TABLES if t.name not in sources]
    if missing:
        raise ValueError(f"raw tables missing from the load: {missing}")
    con.execute("BEGIN TRANSACTION")
    try:
        for schema in (RAW, TRUTH, AUDIT):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for schema in (RAW, AUDIT):
            con.execute(f"CREATE SCHEMA {schema}")
        for t in contract.TABLES:
            con.execute(_ddl(t, RAW))
            cols = ", ".join(f'"{c.name}"' for c in t.columns)
            con.execute(f'INSERT INTO {RAW}."{t.name}" SELECT {cols} FROM {sources[t.name]}')
        for name, relation in audit.items():
            con.execute(f'CREATE TABLE {AUDIT}."{name}" AS SELECT * FROM {relation}')
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def table_counts(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1",
            [schema],
        ).fetchall()
    ]
    return {
        n: int(con.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0]) for n in names
    }  # type: ignore[index]
