"""A directory of raw contract Parquet files (``<table>.parquet``, as ``k12ews.export``
writes them), checked against the contract before any engine reads it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from k12ews import contract

# Contract (DuckDB) type name -> the Arrow type a Parquet column must have.
ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
}


class ContractFileError(ValueError):
    """A contract file is missing or does not have the contract's columns and types."""


def table_path(parquet_dir: Path, table: contract.Table) -> Path:
    return Path(parquet_dir) / f"{table.name}.parquet"


def check_dir(parquet_dir: Path) -> dict[str, Path]:
    """The Parquet file of every contract table in ``parquet_dir``, in contract order.

    Raises ``ContractFileError`` naming the file and column when a file is missing,
    lacks a contract column, or stores a column with another type.
    """
    files: dict[str, Path] = {}
    for table in contract.TABLES:
        path = table_path(parquet_dir, table)
        if not path.is_file():
            raise ContractFileError(f"{path}: missing (table {table.name} of the raw contract)")
        schema = pq.read_schema(path)
        for column in table.columns:
            if column.name not in schema.names:
                raise ContractFileError(f"{path}: no column {column.name!r}")
            found = schema.field(column.name).type
            wanted = ARROW_TYPES[column.type]
            if not _compatible(found, wanted):
                raise ContractFileError(
                    f"{path}: column {column.name!r} is {found}, the contract says "
                    f"{column.type} ({wanted})"
                )
        files[table.name] = path
    return files


def _compatible(found: pa.DataType, wanted: pa.DataType) -> bool:
    if found == wanted:
        return True
    if pa.types.is_integer(wanted) and pa.types.is_integer(found):
        return found.bit_width <= wanted.bit_width
    if pa.types.is_string(wanted):
        return pa.types.is_string(found) or pa.types.is_large_string(found)
    return False


def read_table(path: Path, table: contract.Table) -> pa.Table:
    """The contract columns of one file, in contract order, cast to the contract types."""
    data = pq.read_table(path, columns=table.column_names)
    schema = pa.schema([(c.name, ARROW_TYPES[c.type]) for c in table.columns])
    return data.cast(schema)
