"""Load the raw contract into Spark database ``raw`` from its Parquet files.

    python -m k12ews.engines.spark_load PARQUET_DIR

Local session settings as ``spark_session`` (K12EWS_SPARK_DIR, ...). Each table is
written as a managed Parquet table with the contract's column types (INTEGER ->
int, VARCHAR -> string, DATE -> date, ...), replacing the table of that name. On a
cluster, the same code runs with the cluster's session: read the files from shared
storage and write to the catalog.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from k12ews import contract
from k12ews.engines.contract_files import ContractFileError, check_dir

DATABASE = "raw"

# Contract (DuckDB) type name -> Spark SQL type.
SPARK_TYPES: dict[str, str] = {
    "VARCHAR": "string",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "DATE": "date",
}


def load_parquet(spark: Any, parquet_dir: Path) -> dict[str, int]:
    """Replace the contract tables of database ``raw``; rows per table."""
    files = check_dir(parquet_dir)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
    loaded: dict[str, int] = {}
    for table in contract.TABLES:
        frame = spark.read.parquet(str(Path(files[table.name]).resolve()))
        selected = frame.selectExpr(
            *(f"CAST(`{c.name}` AS {SPARK_TYPES[c.type]}) AS `{c.name}`" for c in table.columns)
        )
        selected.write.mode("overwrite").format("parquet").saveAsTable(f"{DATABASE}.{table.name}")
        loaded[table.name] = spark.table(f"{DATABASE}.{table.name}").count()
    return loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.spark_load")
    parser.add_argument("parquet_dir", type=Path, help="directory of <table>.parquet files")
    args = parser.parse_args(argv)
    try:
        check_dir(args.parquet_dir)
    except ContractFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from k12ews.engines.spark_session import get_session

    spark = get_session()
    try:
        loaded = load_parquet(spark, args.parquet_dir)
    finally:
        spark.stop()
    for name, rows in loaded.items():
        print(f"{DATABASE}.{name:<32}{rows:>14,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
