"""Rules that read what a code means, not only whether it is known (crosswalk seeds).

Two rules of :data:`k12ews.load.rules.ADJUSTMENTS` judge a row by its code's meaning in
a crosswalk seed, the same seed the dbt models read, so the loader and the warehouse
agree:

- ``credits_on_failing_mark``: a mark whose ``xwalk_letter_grades.is_failing`` is true
  loads with 0 credits earned (a value adjustment of :mod:`k12ews.load.rules`, whose
  condition reads the temp table ``_failing_marks`` written here);
- ``attendance_daily_precedence``: of several attendance events of one student at one
  school on one date (Ed-Fi keys an event by its category), every event loads as sent
  and each one that does not stand for its day is recorded, with the one that does, by
  the precedence ``int_student_school_days__attendance_events`` applies (doc block
  attendance_daily_precedence, seed ``xwalk_attendance_events``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from k12ews.load.checks import Judged, lit, typed_name

FAILING_MARKS = "_failing_marks"
ATTENDANCE_MEANINGS = "_attendance_meanings"


def _seed(path: Path) -> str:
    """SQL reading a seed file as text (the seeds are small; every column is VARCHAR)."""
    return (
        f"read_csv({lit(str(path))}, header = true, all_varchar = true, delim = ',', quote = '\"')"
    )


def write_meaning_tables(con: duckdb.DuckDBPyConnection, seeds_dir: Path) -> None:
    """Temp tables of the meanings the rules read: the failing marks and the attendance
    codes' absence flag, default duration and daily precedence."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FAILING_MARKS} AS SELECT letter_grade AS code "
        f"FROM {_seed(seeds_dir / 'xwalk_letter_grades.csv')} "
        "WHERE lower(is_failing) = 'true'"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {ATTENDANCE_MEANINGS} AS
        SELECT event_type,
               lower(is_absence) = 'true' AS is_absence,
               TRY_CAST(default_event_duration AS DOUBLE) AS default_event_duration,
               TRY_CAST(daily_precedence AS INTEGER) AS daily_precedence
        FROM {_seed(seeds_dir / "xwalk_attendance_events.csv")}
        """
    )


# The order the warehouse keeps one event a day in (int_student_school_days__attendance_events).
DAILY_ORDER = (
    "coalesce(is_absence, false) DESC, "
    "CASE WHEN is_absence THEN duration END DESC NULLS LAST, "
    "daily_precedence ASC NULLS LAST, event_type ASC"
)


def record_daily_precedence(con: duckdb.DuckDBPyConnection, judged: Judged) -> None:
    """Record each attendance event that does not stand for its day (all of them load)."""
    if judged.name != "attendance_events":
        return
    judged.add_adjustments(
        con,
        f"""
        WITH events AS (
            SELECT e._line, e.student_id, e.school_id, e.event_date, e.event_type,
                   m.is_absence, m.daily_precedence,
                   coalesce(e.event_duration, m.default_event_duration) AS duration
            FROM {typed_name("attendance_events")} AS e
            LEFT JOIN {ATTENDANCE_MEANINGS} AS m ON e.event_type = m.event_type
            WHERE {judged.alive()}
        ),
        several AS (
            SELECT * FROM events
            QUALIFY count(*) OVER (PARTITION BY student_id, school_id, event_date) > 1
        ),
        ranked AS (
            SELECT *,
                   row_number() OVER w AS day_rank,
                   count(*) OVER (PARTITION BY student_id, school_id, event_date) AS n,
                   first_value(_line) OVER w AS kept_line,
                   first_value(event_type) OVER w AS kept_type
            FROM several
            WINDOW w AS (PARTITION BY student_id, school_id, event_date ORDER BY {DAILY_ORDER})
        )
        SELECT _line, 'attendance_daily_precedence', 'event_type', event_type, kept_type,
               'one of ' || n || ' events of the student on ' || event_date
               || ': the event on line ' || kept_line || ' (' || kept_type
               || ') stands for the day; this one loads as sent'
        FROM ranked WHERE day_rank > 1
        """,
    )
