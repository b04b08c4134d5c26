"""A spell sent without its school gets the school the student's own records name.

SIS extracts lose a spell's school now and then (0.8% of spells in one district's
public research extract): rejected, the spell takes the student-year's attendance,
marks and tests with it, and a mid-year move disappears. Before the enrollments are
checked, each spell whose ``school_id`` is empty looks at the student's other records
of that school year: attendance events, incidents, test dates, service starts and
family contacts dated inside the spell, and course marks and activities of the year.
Records at a school where the student has another spell that year do not count. If
what is left names exactly one school, the spell loads with it and the row is recorded
in ``audit.raw_adjustments`` (rule ``school_from_records``); otherwise (no record, or
two schools) the spell is rejected as ``required``, as before.

The records are read as staged (text), before they are checked themselves: a record
that is later rejected may still have named the school, which is what the district's
own system said about where the student was.
"""

from __future__ import annotations

import duckdb

from k12ews.load.checks import ADJUSTMENTS, lit
from k12ews.load.read import Staged, plain_source, read_carefully, staging_name

RULE = "school_from_records"
# (table, date column or None for a whole school year): the records that name a school
SOURCES: tuple[tuple[str, str | None], ...] = (
    ("attendance_events", "event_date"),
    ("discipline_incidents", "incident_date"),
    ("assessments", "administration_date"),
    ("program_services", "start_date"),
    ("parent_contacts", "contact_date"),
    ("course_grades", None),
    ("extracurricular_participation", None),
)


def _rows(con: duckdb.DuckDBPyConnection, staged: Staged, columns: tuple[str, ...]) -> str:
    """SQL of a staged file's records (text), read the careful way if the plain read
    refuses the file's ``columns`` (the table's own check reads it that way too): the
    reader checks a value (its UTF-8) only when the value is read, so the test reads
    exactly the columns the inference does."""
    if staged.plain:
        source = plain_source(staged)
        counts = ", ".join(f'count("{c}")' for c in columns)
        try:
            con.execute(f"SELECT {counts} FROM ({source})").fetchone()
            return source
        except duckdb.Error:
            read_carefully(con, staged, materialize=False)
    return f"SELECT * FROM {staging_name(staged.table)}"


def _missing(con: duckdb.DuckDBPyConnection, source: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({source}) WHERE school_id IS NULL").fetchone()
    return int(row[0]) if row else 0


def infer_spell_schools(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged]) -> int:
    """Fill the school of spells sent without one, where the records name one school;
    return how many were filled. Run after schools are checked, before enrollments."""
    enrollments = staged["enrollments"]
    if enrollments.fmt == "absent" or not _missing(con, _rows(con, enrollments, ("school_id",))):
        return 0
    spells = staging_name("enrollments")
    if enrollments.fmt == "csv" and not enrollments.materialized:
        # the fills go into a table (a careful read may have left a view of that name)
        con.execute(f"DROP VIEW IF EXISTS {spells}")
        read_carefully(con, enrollments, materialize=True)
    elif not enrollments.materialized:  # a Parquet file's view, copied once
        con.execute(f"CREATE TEMP TABLE {spells}_copy AS SELECT * FROM {spells}")
        con.execute(f"DROP VIEW {spells}")
        con.execute(f"ALTER TABLE {spells}_copy RENAME TO {spells}")
        enrollments.materialized = True
    records = []
    for table, date in SOURCES:
        s = staged[table]
        if s.fmt == "absent" or s.rows_read == 0:
            continue
        used = ("student_id", "school_id", "school_year", *((date,) if date else ()))
        inside = (
            f"TRY_CAST(r.{date} AS DATE) BETWEEN s.entry_date AND coalesce(s.exit_date, "
            "DATE '9999-12-31')"
            if date
            else "true"
        )
        records.append(
            f"SELECT s._line, CAST(r.school_id AS VARCHAR) AS school_id "
            f"FROM ({_rows(con, s, used)}) AS r JOIN missing AS s "
            f"ON CAST(r.student_id AS VARCHAR) = s.student_id "
            f"AND TRY_CAST(r.school_year AS INTEGER) = s.school_year AND {inside}"
        )
    if not records:
        return 0
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _school_guess AS
        WITH missing AS (
            SELECT _line, CAST(student_id AS VARCHAR) AS student_id,
                   TRY_CAST(school_year AS INTEGER) AS school_year,
                   TRY_CAST(entry_date AS DATE) AS entry_date,
                   TRY_CAST(exit_date AS DATE) AS exit_date
            FROM {spells} WHERE school_id IS NULL AND _rule IS NULL
        ),
        other_spells AS (
            SELECT DISTINCT CAST(student_id AS VARCHAR) AS student_id,
                   TRY_CAST(school_year AS INTEGER) AS school_year,
                   CAST(school_id AS VARCHAR) AS school_id
            FROM {spells} WHERE school_id IS NOT NULL
        ),
        named AS ({" UNION ALL ".join(records)}),
        left_over AS (
            SELECT named._line, named.school_id
            FROM named
            JOIN missing ON missing._line = named._line
            WHERE named.school_id IS NOT NULL
              AND named.school_id IN (SELECT CAST(school_id AS VARCHAR) FROM _ok_schools)
              AND NOT EXISTS (
                  SELECT 1 FROM other_spells AS o
                  WHERE o.student_id = missing.student_id
                    AND o.school_year = missing.school_year
                    AND o.school_id = named.school_id
              )
        )
        SELECT _line, min(school_id) AS school_id, count(*) AS records
        FROM left_over GROUP BY _line HAVING count(DISTINCT school_id) = 1
        """
    )
    con.execute(
        f"UPDATE {spells} AS s SET school_id = g.school_id FROM _school_guess AS g "
        "WHERE s._line = g._line"
    )
    filled = con.execute(
        f"""
        INSERT INTO {ADJUSTMENTS}
        SELECT 'enrollments', {lit(enrollments.file)}, _line, {lit(RULE)}, 'school_id', NULL,
               school_id,
               'school_id empty: the student''s ' || records
               || ' record(s) of that school year inside the spell name only this school'
        FROM _school_guess
        """
    ).fetchone()
    con.execute("DROP TABLE _school_guess")
    return int(filled[0]) if filled else 0
