"""Write a database's raw tables as contract files: one ``<table>.<fmt>`` per raw table.

The files are what ``k12ews load`` reads: the example a district copies when it
maps its SIS export to the contract, and the round trip the tests use. Columns
are exactly the contract's, in contract order. CSV is UTF-8, comma-delimited,
with a header line, ISO dates (YYYY-MM-DD), ``true``/``false`` booleans and an
empty field for null; Parquet keeps the contract's types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from k12ews import contract, warehouse

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")


def _copy_options(fmt: Format) -> str:
    if fmt == "csv":
        return "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', NULLSTR ''"
    return "FORMAT parquet, COMPRESSION zstd"


def export_raw(db_path: Path, out_dir: Path, fmt: Format) -> dict[str, int]:
    """Write every raw contract table of ``db_path`` to ``out_dir/<table>.<fmt>``.

    Returns the rows written per table, in contract order. Raises ``ValueError``
    on an unknown format or a database without a complete raw schema.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not Path(db_path).is_file():
        raise ValueError(f"no database at {db_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with warehouse.connect(db_path, read_only=True) as con:
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
        for t in contract.TABLES:
            cols = ", ".join(f'"{c}"' for c in t.column_names)
            order = ", ".join(f'"{k}"' for k in t.keys)
            target = out_dir / f"{t.name}.{fmt}"
            path_sql = str(target).replace("'", "''")
            con.execute(
                f'COPY (SELECT {cols} FROM {warehouse.RAW}."{t.name}" ORDER BY {order}) '
                f"TO '{path_sql}' ({_copy_options(fmt)})"
            )
            row = con.execute(f'SELECT count(*) FROM {warehouse.RAW}."{t.name}"').fetchone()
            written[t.name] = int(row[0]) if row else 0
    return written
