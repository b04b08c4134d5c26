"""Rows of every table (not view) an engine's build left in the given schemas.

    python -m k12ews.engines.table_rows {duckdb,spark} [--db PATH] [--schemas raw,int,...]

Prints one ``<schema>.<table>\\t<rows>`` line per table, largest first. Views are left
out: counting one would rebuild it. DuckDB reads ``--db`` (or K12EWS_DB), Spark the
local session settings (K12EWS_SPARK_DIR). The benchmark (``bench``) reports the
largest tables of each build with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SCHEMAS: tuple[str, ...] = ("raw", "int", "core", "ews")


def rows_duckdb(db: Path, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, int]:
    from k12ews import warehouse

    rows: dict[str, int] = {}
    with warehouse.connect(db, read_only=True) as con:
        for schema in schemas:
            names = con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE'",
                [schema],
            ).fetchall()
            for (name,) in names:
                count = con.execute(f'select count(*) from {schema}."{name}"').fetchone()
                rows[f"{schema}.{name}"] = int(count[0]) if count else 0
    return rows


def rows_spark(schemas: tuple[str, ...] = SCHEMAS) -> dict[str, int]:
    from k12ews.engines.spark_session import get_session

    spark = get_session()
    rows: dict[str, int] = {}
    try:
        existing = {d.name for d in spark.catalog.listDatabases()}
        for schema in schemas:
            if schema not in existing:
                continue
            for table in spark.catalog.listTables(schema):
                if table.tableType == "VIEW" or table.isTemporary:
                    continue
                rows[f"{schema}.{table.name}"] = spark.table(f"`{schema}`.`{table.name}`").count()
    finally:
        spark.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.table_rows")
    parser.add_argument("engine", choices=("duckdb", "spark"))
    parser.add_argument("--db", type=Path, help="DuckDB file (default: K12EWS_DB)")
    parser.add_argument("--schemas", default=",".join(SCHEMAS))
    args = parser.parse_args(argv)
    schemas = tuple(s.strip() for s in args.schemas.split(",") if s.strip())
    if args.engine == "duckdb":
        from k12ews.warehouse import default_db_path

        rows = rows_duckdb(args.db or default_db_path(), schemas)
    else:
        rows = rows_spark(schemas)
    for name, count in sorted(rows.items(), key=lambda item: (-item[1], item[0])):
        print(f"{name}\t{count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
