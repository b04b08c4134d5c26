"""Reading a built district's early-warning features and outcomes."""

from __future__ import annotations

import duckdb
import pandas as pd

from k12ews.twin.aggregates import schema_of


def real_frames(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``ml_features`` and ``ml_labels`` of the built district behind ``con``."""
    f, lab = schema_of(con, "ml_features"), schema_of(con, "ml_labels")
    feats = con.execute(f"select * from {f}.ml_features").df()
    labels = con.execute(f"select * from {lab}.ml_labels").df()
    return feats, labels


def as_of_date(con: duckdb.DuckDBPyConnection) -> str:
    s = schema_of(con, "ews_student_year")
    rows = con.execute(f"select cast(max(as_of_date) as varchar) from {s}.ews_student_year")
    return str(rows.fetchall()[0][0])[:10]
