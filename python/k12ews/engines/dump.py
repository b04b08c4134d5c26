"""Write every table and view of the built schemas of one engine to Parquet files, so
builds on different engines can be compared (``compare``) without both engines open.

    python -m k12ews.engines.dump {duckdb,postgres,spark} OUT_DIR [--db PATH]

One file per relation, ``<schema>.<name>.parquet``. DuckDB reads ``--db`` (or
K12EWS_DB), Postgres the K12EWS_PG_* variables, Spark the local session settings
(K12EWS_SPARK_DIR). Values keep each engine's own types; ``compare`` normalises them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# The schemas the SQL layer builds and the comparison covers.
SCHEMAS: tuple[str, ...] = ("int", "core", "ews")
ENGINES: tuple[str, ...] = ("duckdb", "postgres", "spark")


def _write(out_dir: Path, schema: str, name: str, table: pa.Table) -> None:
    pq.write_table(table, out_dir / f"{schema}.{name}.parquet")


def dump_duckdb(db: Path, out_dir: Path, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    from k12ews import warehouse

    written = []
    with warehouse.connect(db, read_only=True) as con:
        for schema in schemas:
            names = [
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = ? order by table_name",
                    [schema],
                ).fetchall()
            ]
            for name in names:
                _write(
                    out_dir,
                    schema,
                    name,
                    con.sql(f'select * from {schema}."{name}"').arrow().read_all(),
                )
                written.append(f"{schema}.{name}")
    return written


def dump_postgres(out_dir: Path, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    import pandas as pd
    import psycopg2

    from k12ews.engines.postgres_load import connection_params

    written = []
    con = psycopg2.connect(**connection_params())
    try:
        with con.cursor() as cur:
            for schema in schemas:
                cur.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = %s order by table_name",
                    [schema],
                )
                for (name,) in cur.fetchall():
                    cur.execute(f'select * from "{schema}"."{name}"')
                    columns = [d[0] for d in cur.description]
                    frame = pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)
                    _write(out_dir, schema, name, _object_frame_to_arrow(frame))
                    written.append(f"{schema}.{name}")
    finally:
        con.close()
    return written


def _object_frame_to_arrow(frame: Any) -> pa.Table:
    """Arrow table of a frame of Python values (Decimal becomes double)."""
    from decimal import Decimal

    arrays = {}
    for column in frame.columns:
        values = [float(v) if isinstance(v, Decimal) else v for v in frame[column].tolist()]
        arrays[column] = pa.array(values)
    return pa.table(arrays) if arrays else pa.table({})


def dump_spark(out_dir: Path, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    from k12ews.engines.spark_session import get_session

    spark = get_session()
    written = []
    try:
        existing = {r[0] for r in spark.sql("show databases").collect()}
        for schema in schemas:
            if schema not in existing:
                continue
            names = sorted(r.tableName for r in spark.sql(f"show tables in `{schema}`").collect())
            for name in names:
                _write(out_dir, schema, name, spark.table(f"`{schema}`.`{name}`").toArrow())
                written.append(f"{schema}.{name}")
    finally:
        spark.stop()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.dump")
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--db", type=Path, help="DuckDB file (default: K12EWS_DB)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.engine == "duckdb":
        from k12ews.warehouse import default_db_path

        written = dump_duckdb(args.db or default_db_path(), args.out_dir)
    elif args.engine == "postgres":
        written = dump_postgres(args.out_dir)
    else:
        written = dump_spark(args.out_dir)
    print(f"{len(written)} relations written to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
