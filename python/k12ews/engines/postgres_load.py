"""Load the raw contract into PostgreSQL schema ``raw`` from its Parquet files.

    python -m k12ews.engines.postgres_load PARQUET_DIR

Connection from the same variables as the ``postgres`` dbt target (K12EWS_PG_HOST,
K12EWS_PG_PORT, K12EWS_PG_USER, K12EWS_PG_PASSWORD, K12EWS_PG_DATABASE). Tables get
the contract's column types and are replaced in one transaction, so a failed load
leaves the previous ``raw`` schema as it was. Rows travel with COPY (CSV), in batches.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from k12ews import contract
from k12ews.engines.contract_files import ARROW_TYPES, ContractFileError, check_dir

SCHEMA = "raw"
BATCH_ROWS = 200_000

# Contract (DuckDB) type name -> PostgreSQL type.
POSTGRES_TYPES: dict[str, str] = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
}


def connection_params() -> dict[str, Any]:
    return {
        "host": os.environ.get("K12EWS_PG_HOST", "localhost"),
        "port": int(os.environ.get("K12EWS_PG_PORT", "5432")),
        "user": os.environ.get("K12EWS_PG_USER", "k12ews"),
        "password": os.environ.get("K12EWS_PG_PASSWORD", ""),
        "dbname": os.environ.get("K12EWS_PG_DATABASE", "k12ews"),
    }


def create_table_sql(table: contract.Table) -> str:
    cols = ", ".join(f'"{c.name}" {POSTGRES_TYPES[c.type]}' for c in table.columns)
    return f'CREATE TABLE {SCHEMA}."{table.name}" ({cols})'


def load_parquet(parquet_dir: Path, params: dict[str, Any] | None = None) -> dict[str, int]:
    """Replace schema ``raw`` with the contract tables of ``parquet_dir``; rows per table."""
    import psycopg2

    files = check_dir(parquet_dir)
    con = psycopg2.connect(**(params or connection_params()))
    loaded: dict[str, int] = {}
    try:
        with con, con.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cur.execute(f"CREATE SCHEMA {SCHEMA}")
            for table in contract.TABLES:
                cur.execute(create_table_sql(table))
                loaded[table.name] = _copy_table(cur, files[table.name], table)
                cur.execute(f'ANALYZE {SCHEMA}."{table.name}"')
    finally:
        con.close()
    return loaded


def _copy_table(cur: Any, path: Path, table: contract.Table) -> int:
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    copy_sql = (
        f'COPY {SCHEMA}."{table.name}" ({cols}) FROM STDIN '
        "WITH (FORMAT csv, HEADER false, NULL '')"
    )
    import pyarrow as pa

    schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in table.columns])
    rows = 0
    # Every value quoted, nulls bare: COPY reads a bare empty field as NULL and ""
    # as the empty string, so the two stay apart.
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    for batch in pq.ParquetFile(path).iter_batches(BATCH_ROWS, columns=table.column_names):
        batch = pa.Table.from_batches([batch]).cast(schema)
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, options)
        buffer.seek(0)
        try:
            cur.copy_expert(copy_sql, buffer)
        except Exception as exc:  # the driver's error names the line and column
            raise ContractFileError(f"{path}: loading into {table.name}: {exc}") from exc
        rows += batch.num_rows
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.postgres_load")
    parser.add_argument("parquet_dir", type=Path, help="directory of <table>.parquet files")
    args = parser.parse_args(argv)
    try:
        loaded = load_parquet(args.parquet_dir)
    except ContractFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, rows in loaded.items():
        print(f"{SCHEMA}.{name:<32}{rows:>14,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
