"""The notes a load prints beside its counts: codes its crosswalks do not know (drift),
and exit dates after the as-of date (pre-filled, treated as open spells)."""

from __future__ import annotations

import datetime as dt

import duckdb

from k12ews import contract
from k12ews.load import checks


def unknown_code_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per code the crosswalks do not know (drift: a new year's codes).

    Each names the code, the table and column, how many rows carry it (counted on every
    rejected row, whichever rule it broke first), and the seed to edit, so new codes
    are a warning in the report, never rows silently gone.
    """
    found = [
        f"SELECT {checks.lit(t.name)} AS table_name, p.column_name, p.value, p.message "
        f"FROM (SELECT unnest(_problems) AS p FROM _rp_{t.name}) WHERE p.rule = 'unknown_code'"
        for t in contract.TABLES
    ]
    rows = con.execute(
        "SELECT table_name, column_name, value, any_value(message), count(*) FROM ("
        + " UNION ALL ".join(found)
        + ") GROUP BY ALL ORDER BY table_name, column_name, value"
    ).fetchall()
    return [
        f"unknown code {value!r} in {table}.{column} ({n:,} rows): {message}"
        for table, column, value, message, n in rows
    ]


def future_exit_notes(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[str]:
    """A note on exit dates after the as-of date (often pre-filled with the year's last
    day): they load, and the warehouse treats those spells as still open."""
    row = con.execute(
        "SELECT count(*) FROM _ok_enrollments WHERE exit_date > ?", [as_of]
    ).fetchone()
    n = int(row[0]) if row else 0
    if not n:
        return []
    return [
        f"enrollments: {n:,} exit date(s) after the as-of date {as_of.isoformat()}, often "
        "pre-filled with the year's last day: the warehouse treats those spells as still "
        "open until it is built as of a later date"
    ]
