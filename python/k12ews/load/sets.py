"""The checks of a table's rows against other rows (DuckDB SQL, no loop over rows).

Run on the rows of ``_ty_<t>`` with no problem so far (see :mod:`k12ews.load.checks`),
each row gets at most one problem, added to ``_sp_<t>``:

1. references to the valid rows of the tables already checked, the grade-span,
   enrollment and calendar checks, in that order (the first a row fails is reported);
2. then rows identical in every column to an earlier row are merged into it
   (``exact_duplicate``: loaded once, counted as merged), and the rows that still share
   a key are rejected (``duplicate_key``);
3. then (enrollments) overlapping spells among the rows left: those no rule resolves
   are rejected, the rest load and are recorded (``overlap_cut``).

Step 1 is one pass over the table. Where a table's rows must lie inside an enrollment
spell, that pass skips the references a row inside a valid spell passes anyway (a
valid spell's student and school are valid rows), uses the cheapest form of each
check, and only the rows it flags are checked in full, so the reported rule is the
same as checking every row in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from k12ews import contract
from k12ews.load import rules
from k12ews.load.checks import NO_DATE, Judged, adjusted, lit, q, typed_name


@dataclass(frozen=True)
class SetCheck:
    """One check of row ``r`` against other tables: ``fails`` is SQL over ``r`` and
    ``join``; ``quick_join`` and ``quick_fails``, if set, a cheaper form that flags
    at least the rows ``fails`` flags (a row it flags is then checked in full)."""

    rule: str
    column: str
    values: tuple[str, ...]  # the columns whose text is the reported value
    join: str
    fails: str
    message: str  # SQL
    quick_join: str | None = None
    quick_fails: str | None = None
    implied: bool = False  # passes whenever the row lies inside a valid enrollment spell

    @property
    def has_quick_form(self) -> bool:
        return self.implied or self.quick_join is not None


# the valid enrollment spells of each student, school and school year, written once
# (after the enrollments are checked) for the tables checked against them: their number
# and their first and last days
SPELLS = "_spells"
SPELLS_SQL = f"""
    CREATE TEMP TABLE {SPELLS} AS
    SELECT student_id, school_id, school_year, count(*) AS n,
           min(entry_date) AS entry_date, max(coalesce(exit_date, {NO_DATE})) AS last_date
    FROM _ok_enrollments GROUP BY student_id, school_id, school_year
"""
_SAME_SPELL = (
    "ON e.student_id = r.student_id AND e.school_id = r.school_id AND e.school_year = r.school_year"
)
_ENROLLMENT_REFERENCES = frozenset(
    ref for ref in contract.table("enrollments").references if ref[0] in ("student_id", "school_id")
)


def _reference_checks(table: contract.Table) -> list[SetCheck]:
    inside = any(t == table.name for t, _ in rules.INSIDE_ENROLLMENT)
    found = []
    for i, ref in enumerate(table.references):
        ref_col, ref_table, ref_field = ref
        found.append(
            SetCheck(
                "orphan_reference",
                ref_col,
                (ref_col,),
                f"LEFT JOIN (SELECT DISTINCT {q(ref_field)} AS k FROM _ok_{ref_table}) AS p{i} "
                f"ON p{i}.k = r.{q(ref_col)}",
                f"r.{q(ref_col)} IS NOT NULL AND p{i}.k IS NULL",
                lit(f"no such {ref_field} in {ref_table} (missing there, or rejected)"),
                implied=inside and ref in _ENROLLMENT_REFERENCES,
            )
        )
    return found


def _inside_spell(col: str | None) -> tuple[str, str, str]:
    """(reported column, fails, quick fails) of the enrollment check of ``col``."""
    if col is None:
        return "school_year", "e.n IS NULL", "e.n IS NULL"
    d = f"r.{q(col)}"
    fails = (
        f"{d} IS NULL OR NOT EXISTS (SELECT 1 FROM _ok_enrollments AS s "
        "WHERE s.student_id = r.student_id AND s.school_id = r.school_id "
        f"AND s.school_year = r.school_year "
        f"AND {d} BETWEEN s.entry_date AND coalesce(s.exit_date, {NO_DATE}))"
    )
    # most students have one spell a year at a school; the rest are checked in full
    quick = f"e.n IS NULL OR e.n > 1 OR {d} IS NULL OR {d} NOT BETWEEN e.entry_date AND e.last_date"
    return col, fails, quick


def _grade_span_checks(table: contract.Table) -> list[SetCheck]:
    """An enrollment's grade inside its school's grade span (schools checked already)."""
    if table.name != "enrollments":
        return []
    return [
        SetCheck(
            "grade_outside_school_span",
            "grade_level",
            ("grade_level",),
            "LEFT JOIN _ok_schools AS gs ON gs.school_id = r.school_id",
            "r.grade_level NOT BETWEEN gs.low_grade AND gs.high_grade",
            "'grade ' || r.grade_level || ' is outside the grades of school ' || r.school_id"
            " || ' (' || gs.low_grade || ' to ' || gs.high_grade || ')'",
        )
    ]


def _enrollment_checks(table: contract.Table) -> list[SetCheck]:
    found = []
    if table.name in rules.ENROLLED_IN_YEAR:
        years = (
            f"LEFT JOIN (SELECT DISTINCT student_id, school_year FROM {SPELLS}) AS e "
            "ON e.student_id = r.student_id AND e.school_year = r.school_year"
        )
        found.append(
            SetCheck(
                "outside_enrollment",
                "school_year",
                ("school_year",),
                years,
                "e.student_id IS NULL",
                lit("the student has no enrollment this school year"),
            )
        )
    for t, col in rules.INSIDE_ENROLLMENT:
        if t != table.name:
            continue
        column, fails, quick = _inside_spell(col)
        words = "this school year" if col is None else f"that school year covering {col}"
        spells = f"LEFT JOIN {SPELLS} AS e {_SAME_SPELL}"
        found.append(
            SetCheck(
                "outside_enrollment",
                column,
                (column,),
                spells if col is None else "",
                fails,
                lit(f"the student has no enrollment at the school {words}"),
                quick_join=spells,
                quick_fails=quick,
            )
        )
    return found


def _calendar_checks(table: contract.Table) -> list[SetCheck]:
    found = []
    for t, col in rules.INSTRUCTIONAL_DAY:
        if t != table.name:
            continue
        # (school_id, calendar_date) is the calendar's key: one valid row at most
        on = f"ON c.school_id = r.school_id AND c.calendar_date = r.{q(col)}"
        found.append(
            SetCheck(
                "not_instructional_day",
                col,
                (col,),
                f"LEFT JOIN _ok_calendar_days AS c {on} "
                # a school-year the export has no calendar for is not judged: its
                # school days are unknown (the warehouse says so), not all wrong
                "LEFT JOIN (SELECT DISTINCT school_id, school_year FROM _ok_calendar_days) "
                "AS cy ON cy.school_id = r.school_id AND cy.school_year = r.school_year",
                "cy.school_id IS NOT NULL AND c.is_instructional_day IS NOT TRUE",
                "'not an instructional day of school ' || r.school_id"
                " || coalesce(' (' || c.calendar_event || ')', ' (no calendar day)')",
                quick_join="LEFT JOIN (SELECT school_id, calendar_date FROM _ok_calendar_days "
                f"WHERE is_instructional_day) AS c {on}",
                quick_fails="c.school_id IS NULL",
            )
        )
    return found


def table_checks(table: contract.Table, grade_span: bool = True) -> list[SetCheck]:
    """The checks, in the order a row's first failure is reported."""
    return (
        _reference_checks(table)
        + (_grade_span_checks(table) if grade_span else [])
        + _enrollment_checks(table)
        + _calendar_checks(table)
    )


def _first_failure(found: list[SetCheck], rows: str) -> str:
    """SQL of (line, rule, column, value columns, message) of each row of ``rows``
    (a relation of ``_ty_t`` rows) that fails a check: the first it fails."""
    flags = ", ".join(f"coalesce({s.fails}, false) AS _f{i}" for i, s in enumerate(found))
    # messages are built only for the rows that fail (most are constants)
    messages = ", ".join(
        f"CASE WHEN coalesce({s.fails}, false) THEN {s.message} END AS _m{i}"
        for i, s in enumerate(found)
    )
    first = " ".join(f"WHEN _f{i} THEN {i}" for i in range(len(found)))

    def pick(values: list[str]) -> str:
        return "CASE k " + " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values)) + " END"

    return f"""
        WITH flagged AS (
            SELECT r._line, {flags}, {messages}
            FROM ({rows}) AS r {" ".join(s.join for s in found)}
        ),
        failed AS (
            SELECT *, CASE {first} END AS k FROM flagged
            WHERE {" OR ".join(f"_f{i}" for i in range(len(found)))}
        )
        SELECT _line, {pick([lit(s.rule) for s in found])}, {pick([lit(s.column) for s in found])},
               {pick([lit(",".join(s.values)) for s in found])},
               {pick([f"_m{i}" for i in range(len(found))])}
        FROM failed
    """


def write_spells(con: duckdb.DuckDBPyConnection) -> None:
    """``_spells``, from the enrollments that load (once they are checked)."""
    con.execute(SPELLS_SQL)


def _flag_quickly(
    con: duckdb.DuckDBPyConnection, t: str, found: list[SetCheck], rows: str
) -> tuple[str, int]:
    """Table ``_cand_<t>`` of the rows of ``rows`` the quick forms flag: its name and
    its row count."""
    quick = [s for s in found if not s.implied]
    joins = " ".join(s.quick_join or s.join for s in quick)
    fails = " OR ".join(f"coalesce({s.quick_fails or s.fails}, false)" for s in quick)
    flagged = con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cand_{t} AS "
        f"SELECT r.* FROM ({rows}) AS r {joins} WHERE {fails}"
    ).fetchone()
    return f"_cand_{t}", int(flagged[0]) if flagged else 0


def joined_checks(con: duckdb.DuckDBPyConnection, judged: Judged, grade_span: bool = True) -> None:
    """Add the first failed reference, enrollment or calendar check of each row."""
    found = table_checks(judged.table, grade_span)
    if not found:
        return
    # the typed values only: a Parquet file's _problems would be computed again
    cols = ", ".join(["_line", *(q(c) for c in judged.table.column_names)])
    rows = f"SELECT {cols} FROM {typed_name(judged.name)} WHERE {judged.alive()}"
    # flag first (with the full form of a check that has no quick one): in most tables
    # every row passes, and the first-failure query, with its messages, is never run
    candidates, flagged = _flag_quickly(con, judged.name, found, rows)
    if not flagged:  # every row passes the quick forms, so every full check
        return
    judged.add_set_problems(con, _first_failure(found, f"SELECT * FROM {candidates}"))


def set_checks(
    con: duckdb.DuckDBPyConnection,
    judged: Judged,
    settings: rules.LoadSettings,
) -> None:
    """References, grade-span, enrollment and calendar checks, then exact duplicates and
    duplicate keys, then overlaps."""
    joined_checks(con, judged, settings.check_grade_span)
    duplicate_keys(con, judged)
    if judged.name == "enrollments":
        overlapping_spells(con, judged, settings)


def _repeated_hashes(con: duckdb.DuckDBPyConnection, judged: Judged) -> np.ndarray:
    """The 64-bit hashes of the key that two or more remaining rows share (sorted in
    NumPy: cheaper than a hash table of every key)."""
    keys = ", ".join(q(k) for k in judged.table.keys)
    found = con.execute(
        f"SELECT hash({keys}) AS h FROM {typed_name(judged.name)} WHERE {judged.alive()}"
    ).fetchnumpy()["h"]
    hashes = np.sort(np.asarray(found, dtype=np.uint64))
    return np.unique(hashes[1:][hashes[1:] == hashes[:-1]])


def duplicate_keys(con: duckdb.DuckDBPyConnection, judged: Judged) -> None:
    """Rows identical in every column to an earlier row are merged into it; then every
    row of a key that two or more remaining rows share is rejected."""
    t, table = judged.name, judged.table
    repeated = _repeated_hashes(con, judged)
    if not len(repeated):
        return
    # the keys themselves decide: a hash shared by different keys is no duplicate
    keys = ", ".join(q(k) for k in table.keys)
    every = ", ".join(q(c) for c in table.column_names)
    con.register("_repeated_hashes", pa.table({"h": pa.array(repeated, pa.uint64())}))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _dup_{t} AS
        SELECT _line, {every} FROM {typed_name(t)}
        WHERE {judged.alive()} AND hash({keys}) IN (SELECT h FROM _repeated_hashes)
        """
    )
    con.unregister("_repeated_hashes")
    # one record sent twice: GROUP BY puts nulls together, as the copies have them
    judged.add_merged(
        con,
        f"""
        SELECT _line AS line,
               min(_line) OVER (PARTITION BY {every}) AS kept_line
        FROM _dup_{t}
        QUALIFY _line <> kept_line
        """,
    )
    on = " AND ".join(f"c.{q(k)} IS NOT DISTINCT FROM d.{q(k)}" for k in table.keys)
    left = f"SELECT * FROM _dup_{t} WHERE _line NOT IN (SELECT line FROM _mg_{t})"
    judged.add_set_problems(
        con,
        f"""
        WITH candidates AS ({left}),
        repeated AS (
            SELECT {keys} FROM candidates GROUP BY {keys} HAVING count(*) > 1
        ),
        rows AS (
            SELECT c._line,
                   string_agg(c._line::VARCHAR, ', ' ORDER BY c._line)
                       OVER (PARTITION BY {", ".join("c." + q(k) for k in table.keys)})
                       AS lines
            FROM candidates AS c JOIN repeated AS d ON {on}
        )
        SELECT _line, 'duplicate_key', {lit(table.keys[-1])}, {lit(",".join(table.keys))},
               'key ({", ".join(table.keys)}) repeated on lines ' || lines
               || ' with other values'
        FROM rows
        """,
    )
    con.execute(f"DROP TABLE _dup_{t}")


def overlapping_spells(
    con: duckdb.DuckDBPyConnection, judged: Judged, settings: rules.LoadSettings
) -> None:
    """Overlapping spells of a student, among the enrollments left.

    An open spell (no exit) lasts to its school year's last day, as the warehouse
    closes it. Rejected: two spells entered on the same date (neither is the later one),
    unless all but one are one-day spells (entered and exited that day: a no-show, which
    alone is rejected and the other stands); and an overlap longer than
    ``settings.max_overlap_days`` (both). Every other overlap loads as sent and is
    recorded (``overlap_cut``) with the last day the warehouse gives the earlier spell:
    the day before the next spell's entry, the rule of ``int_enrollments__cleaned``,
    which applies it.
    """
    exit_date = adjusted("enrollments", "exit_date")
    year_end = rules.school_year_last_day_sql("school_year")

    def spells() -> str:  # the rows left: judged.alive() changes as rows are rejected
        return f"""
            SELECT _line, student_id, school_id, entry_date, {exit_date} AS exit_date,
                   coalesce({exit_date}, {year_end}) AS last_date
            FROM {typed_name("enrollments")} WHERE {judged.alive()}
        """

    judged.add_set_problems(
        con,
        f"""
        WITH spells AS ({spells()}),
        same_day AS (
            SELECT _line,
                   exit_date IS NOT NULL AND exit_date <= entry_date AS is_one_day,
                   string_agg(_line::VARCHAR, ', ' ORDER BY _line)
                       OVER (PARTITION BY student_id, entry_date) AS lines,
                   count(*) OVER (PARTITION BY student_id, entry_date) AS n,
                   count(*) FILTER (WHERE exit_date IS NULL OR exit_date > entry_date)
                       OVER (PARTITION BY student_id, entry_date) AS longer,
                   max(CASE WHEN exit_date IS NULL OR exit_date > entry_date THEN _line END)
                       OVER (PARTITION BY student_id, entry_date) AS longer_line
            FROM spells
        )
        SELECT _line, 'overlapping_enrollment', 'entry_date', 'entry_date',
               CASE WHEN longer = 1
                    THEN 'a one-day spell entered the same date as the spell on line '
                         || longer_line || ', which stands'
                    ELSE 'spells on lines ' || lines
                         || ' enter on the same date: neither is the later'
               END
        FROM same_day WHERE n > 1 AND (longer <> 1 OR is_one_day)
        """,
    )

    def ordered() -> str:
        return f"""
            SELECT *,
                   lead(entry_date) OVER w AS next_entry,
                   lead(_line) OVER w AS next_line,
                   lead(school_id) OVER w AS next_school
            FROM ({spells()}) WINDOW w AS (PARTITION BY student_id ORDER BY entry_date)
        """

    overlap = "next_entry <= last_date"
    days = "date_diff('day', next_entry, exit_date) + 1"
    if settings.max_overlap_days is not None:
        judged.add_set_problems(
            con,
            f"""
            WITH ordered AS ({ordered()}),
            long AS (
                SELECT _line, next_line, {days} AS days FROM ordered
                WHERE {overlap} AND exit_date IS NOT NULL
                  AND {days} > {int(settings.max_overlap_days)}
            )
            SELECT _line, 'overlapping_enrollment', 'entry_date', 'entry_date',
                   'overlaps the spell on line ' || next_line || ' by ' || days
                   || ' days, more than max_overlap_days ({settings.max_overlap_days})'
            FROM long
            UNION
            SELECT next_line, 'overlapping_enrollment', 'entry_date', 'entry_date',
                   'overlapped by the spell on line ' || _line || ' by ' || days
                   || ' days, more than max_overlap_days ({settings.max_overlap_days})'
            FROM long WHERE next_line NOT IN (SELECT _line FROM long)
            """,
        )
    judged.add_adjustments(
        con,
        f"""
        WITH ordered AS ({ordered()})
        SELECT _line, 'overlap_cut', 'exit_date', CAST(exit_date AS VARCHAR),
               CAST(CAST(next_entry - INTERVAL 1 DAY AS DATE) AS VARCHAR),
               CASE WHEN exit_date IS NULL
                    THEN 'never exited before the spell on line ' || next_line
                         || ' (school ' || next_school || ') began'
                    ELSE 'overlaps the spell on line ' || next_line || ' (school '
                         || next_school || ') by ' || {days} || ' day(s)'
               END || ': the warehouse ends it the day before'
        FROM ordered WHERE {overlap}
        """,
    )
