"""Write a database's raw tables as contract files: one ``<table>.<fmt>`` per raw table.

The files are what ``k12ews load`` reads: the example a district copies when it
maps its SIS export to the contract, and the round trip the tests use. Columns
are exactly the contract's, in contract order. CSV is UTF-8, comma-delimited,
with a header line, ISO dates (YYYY-MM-DD), ``true``/``false`` booleans and an
empty field for null; Parquet keeps the contract's types. :mod:`k12ews.messy`
writes its files through :func:`write_query`, so a messy export is written the
same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb

from k12ews import contract, warehouse

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")


def _copy_options(fmt: Format) -> str:
    if fmt == "csv":
        return "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', NULLSTR ''"
    return "FORMAT parquet, COMPRESSION zstd"


def check_format(fmt: str) -> None:
    """Raise ``ValueError`` unless ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def check_raw_schema(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Raise ``ValueError`` unless every contract table is in the ``raw`` schema."""
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            [warehouse.RAW],
        ).fetchall()
    }
    missing = [t.name for t in contract.TABLES if t.name not in present]
    if missing:
        raise ValueError(f"{db_path} has no raw table(s): {', '.join(missing)}")


def write_query(con: duckdb.DuckDBPyConnection, select_sql: str, target: Path, fmt: Format) -> None:
    """Write the rows of ``select_sql`` to ``target`` in the export's ``fmt``."""
    path_sql = str(target).replace("'", "''")
    con.execute(f"COPY ({select_sql}) TO '{path_sql}' ({_copy_options(fmt)})")


def export_raw(db_path: Path, out_dir: Path, fmt: Format) -> dict[str, int]:
    """Write every raw contract table of ``db_path`` to ``out_dir/<table>.<fmt>``.

    Returns the rows written per table, in contract order. Raises ``ValueError``
    on an unknown format or a database without a complete raw schema.
    """
    check_format(fmt)
    if not Path(db_path).is_file():
        raise ValueError(f"no database at {db_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with warehouse.connect(db_path, read_only=True) as con:
        check_raw_schema(con, db_path)
        for t in contract.TABLES:
            cols = ", ".join(f'"{c}"' for c in t.column_names)
            order = ", ".join(f'"{k}"' for k in t.keys)
            write_query(
                con,
                f'SELECT {cols} FROM {warehouse.RAW}."{t.name}" ORDER BY {order}',
                out_dir / f"{t.name}.{fmt}",
                fmt,
            )
            row = con.execute(f'SELECT count(*) FROM {warehouse.RAW}."{t.name}"').fetchone()
            written[t.name] = int(row[0]) if row else 0
    return written
