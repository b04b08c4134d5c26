"""Typed output tables: the same columns and SQL types whether a table has rows or not.

Every table a dbt Python model writes has one schema, declared once in
``k12ews.ml.schemas`` as a mapping column -> SQL type. ``empty`` builds the table with no
rows and ``coerce`` brings a built frame to it: exactly the schema's columns in its order
(a column the frame lacks is all null, a column it has beyond the schema is dropped) and
each column converted to the pandas dtype DuckDB stores as that SQL type.

Why it matters: DuckDB types a pandas column by its dtype, and an ``object`` column with
no value (an empty table, or a column never filled) as its untyped ``NULL`` type, which
BI tools and other engines cannot read. Every dtype below gives a concrete type, with or
without values. The SQL names are those of ``information_schema.columns.data_type``, so
the dbt yml's ``data_type`` and the built tables can be checked against them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

VARCHAR = "VARCHAR"
BIGINT = "BIGINT"
INTEGER = "INTEGER"
DOUBLE = "DOUBLE"
BOOLEAN = "BOOLEAN"
DATE = "DATE"
TIMESTAMP = "TIMESTAMP"
BLOB = "BLOB"

Schema = Mapping[str, str]

# SQL type -> the pandas dtype DuckDB reads as that type, also when every value is null
PANDAS_DTYPES: dict[str, object] = {
    VARCHAR: "str",
    BIGINT: "Int64",
    INTEGER: "Int32",
    DOUBLE: "float64",
    BOOLEAN: "boolean",
    DATE: pd.ArrowDtype(pa.date32()),
    TIMESTAMP: "datetime64[us]",
    BLOB: pd.ArrowDtype(pa.binary()),
}


def pandas_dtype(sql_type: str) -> object:
    try:
        return PANDAS_DTYPES[sql_type]
    except KeyError:
        raise ValueError(f"no typed-output rule for SQL type {sql_type!r}") from None


def _column(values: pd.Series, sql_type: str) -> pd.Series:
    dtype = pandas_dtype(sql_type)
    if sql_type == TIMESTAMP:
        return pd.to_datetime(values).astype(dtype)
    if sql_type == DATE:
        stamps = pd.to_datetime(values)
        days = stamps.dt.date.astype(object).where(stamps.notna(), None)
        return pd.Series(pd.array(days, dtype=dtype), index=values.index)
    return values.astype(dtype)


def empty(schema: Schema) -> pd.DataFrame:
    """The table with no rows, every column of its SQL type."""
    return pd.DataFrame({c: pd.Series([], dtype=pandas_dtype(t)) for c, t in schema.items()})


def coerce(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns, in order, each of its SQL type. A value
    that does not fit its type (a fraction in an integer column, text in a number) raises."""
    if frame.empty:
        return empty(schema)
    out = frame.reset_index(drop=True).reindex(columns=list(schema))
    for col, sql_type in schema.items():
        try:
            out[col] = _column(out[col], sql_type)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"column {col!r} does not fit {sql_type}: {exc}") from exc
    return out
