"""The loader's rules: what a raw contract file must satisfy beyond its column types.

:mod:`k12ews.contract` gives each table its columns, types, required flags, keys,
references and crosswalks; this module adds the value rules a loader checks and
``docs/data_contract.md`` documents (both are generated from the same objects):
ranges, fixed code lists, cross-column rules, dates inside the school year,
future dates, and the checks against enrollments and the calendar.

Every rule has a stable name (``RULES``): the name appears in strict-mode reports
and in ``audit.raw_rejects.rule``.
"""

from __future__ import annotations

from dataclasses import dataclass

from k12ews import contract

# name -> what it means (the order is the order checks run in and reports sort by)
RULES: dict[str, str] = {
    "missing_file": "A contract table has no file in the folder.",
    "duplicate_file": "A table has both a CSV and a Parquet file.",
    "empty_file": "The file has no header line.",
    "wrong_delimiter": "The header is not comma-delimited (semicolon, tab or pipe found).",
    "missing_column": "A required column is absent from the header.",
    "duplicate_column": "A column appears twice in the header.",
    "encoding": "The line is not valid UTF-8.",
    "control_character": "A control character: a NUL byte or byte 0x01 in the line or a "
    "value, or a carriage return that does not end the line.",
    "blank_line": "An empty line where a record was expected.",
    "malformed_quotes": "Unbalanced or misplaced double quotes (fields may not span lines).",
    "field_count": "The line has more or fewer fields than the header "
    "(a truncated line or a wrong delimiter).",
    "type": "The value is not of the column's type (integer, number, YYYY-MM-DD date, true/false).",
    "required": "A required column is empty.",
    "range": "A number outside its allowed range.",
    "unknown_code": "A code that its crosswalk seed (or fixed code list) does not know.",
    "inconsistent": "Two columns of the row contradict each other.",
    "date_outside_school_year": "A date outside its school year (1 July to 30 June).",
    "future_date": "A date after the load's as-of date (default: today).",
    "duplicate_key": "Two or more rows share the table's key (all of them are rejected).",
    "orphan_reference": "A reference to a row that is not in (or was rejected from) "
    "the referenced table.",
    "overlapping_enrollment": "Two enrollment spells of one student overlap in time "
    "(both are rejected).",
    "outside_enrollment": "A dated record of a student at a school on a day the student "
    "was not enrolled there.",
    "not_instructional_day": "Attendance on a day that is not an instructional day in "
    "the school's calendar.",
}

FILE_RULES = frozenset(
    {
        "missing_file",
        "duplicate_file",
        "empty_file",
        "wrong_delimiter",
        "missing_column",
        "duplicate_column",
    }
)

# Accepted spellings of booleans (case-insensitive); anything else is a type error.
TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")

# A school year Y (named by its spring year) runs from 1 July of Y-1 to 30 June of Y.
SCHOOL_YEAR_START = (7, 1)


@dataclass(frozen=True)
class Range:
    low: float | None
    high: float | None

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        return f"at most {self.high:g}"


RANGES: dict[tuple[str, str], Range] = {
    ("schools", "low_grade"): Range(0, 12),
    ("schools", "high_grade"): Range(0, 12),
    ("calendar_days", "quarter"): Range(1, 4),
    ("calendar_days", "semester"): Range(1, 2),
    ("attendance_events", "event_duration"): Range(0, 1),
    ("attendance_events", "minutes_missed"): Range(0, 1440),
    ("courses", "credits"): Range(0, 10),
    ("course_grades", "numeric_grade"): Range(0, 100),
    ("course_grades", "credits_attempted"): Range(0, 10),
    ("course_grades", "credits_earned"): Range(0, 10),
    ("discipline_incidents", "days_removed"): Range(0, 365),
    ("assessments", "scale_score"): Range(0, None),
    ("program_services", "tier"): Range(1, 3),
}
# every school_year column
SCHOOL_YEAR_RANGE = Range(1950, 2100)

# Coded columns whose codes are a fixed list rather than a crosswalk seed.
FIXED_CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("course_grades", "term"): ("Q1", "Q2", "Q3", "Q4", "S1", "S2", "SU"),
    ("parent_contacts", "contact_reason"): ("attendance", "academic", "behavior", "positive"),
}

# Grade-level columns checked against seed xwalk_grade_levels besides those the
# contract already marks as coded.
GRADE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("schools", "low_grade"),
    ("schools", "high_grade"),
    ("courses", "grade_level"),
    ("assessments", "grade_level"),
)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row: ``sql`` is true when the row is valid."""

    table: str
    columns: tuple[str, ...]
    sql: str
    text: str


ROW_RULES: tuple[RowRule, ...] = (
    RowRule("schools", ("low_grade", "high_grade"), "low_grade <= high_grade", "low <= high"),
    RowRule(
        "enrollments",
        ("entry_date", "exit_date"),
        "exit_date IS NULL OR exit_date >= entry_date",
        "exit_date on or after entry_date",
    ),
    RowRule(
        "enrollments",
        ("exit_date", "exit_code"),
        "(exit_date IS NULL) = (exit_code IS NULL)",
        "exit_date and exit_code both present or both empty",
    ),
    RowRule(
        "course_grades",
        ("credits_earned", "credits_attempted"),
        "credits_earned <= credits_attempted",
        "credits_earned at most credits_attempted",
    ),
    RowRule(
        "program_services",
        ("start_date", "end_date"),
        "end_date IS NULL OR end_date >= start_date",
        "end_date on or after start_date",
    ),
    RowRule(
        "students",
        ("birth_date",),
        "birth_date >= DATE '1900-01-01'",
        "birth_date in 1900 or later",
    ),
)

# Dates that must fall inside the row's school year.
SCHOOL_YEAR_DATES: tuple[tuple[str, str], ...] = (
    ("enrollments", "entry_date"),
    ("calendar_days", "calendar_date"),
    ("attendance_events", "event_date"),
    ("discipline_incidents", "incident_date"),
    ("assessments", "administration_date"),
    ("program_services", "start_date"),
    ("parent_contacts", "contact_date"),
)

# Dates that may not lie after the load's as-of date (calendars, exit and end dates
# may be planned ahead, so they are not checked).
FUTURE_DATES: tuple[tuple[str, str], ...] = (
    ("students", "birth_date"),
    ("enrollments", "entry_date"),
    ("attendance_events", "event_date"),
    ("discipline_incidents", "incident_date"),
    ("assessments", "administration_date"),
    ("program_services", "start_date"),
    ("parent_contacts", "contact_date"),
)

# Records that must lie inside an enrollment spell of the student at the school:
# (table, date column); a null date column means "any spell in the row's school year".
INSIDE_ENROLLMENT: tuple[tuple[str, str | None], ...] = (
    ("attendance_events", "event_date"),
    ("discipline_incidents", "incident_date"),
    ("course_grades", None),
)

# Attendance only on the school's instructional days.
INSTRUCTIONAL_DAY: tuple[tuple[str, str], ...] = (("attendance_events", "event_date"),)

# The order tables are checked in: a table comes after every table it depends on, so
# a rejected row's dependants are rejected too (the cascade, see docs/data_contract.md).
LOAD_ORDER: tuple[str, ...] = (
    "schools",
    "students",
    "courses",
    "calendar_days",
    "enrollments",
    "student_characteristics",
    "attendance_events",
    "course_grades",
    "discipline_incidents",
    "assessments",
    "program_services",
    "extracurricular_participation",
    "parent_contacts",
)


def depends_on(table: str) -> set[str]:
    """Tables whose valid rows ``table``'s checks read."""
    deps = {ref for _, ref, _ in contract.table(table).references}
    if any(t == table for t, _ in INSIDE_ENROLLMENT):
        deps.add("enrollments")
    if any(t == table for t, _ in INSTRUCTIONAL_DAY):
        deps.add("calendar_days")
    return deps


def _check_order() -> None:
    assert sorted(LOAD_ORDER) == sorted(t.name for t in contract.TABLES), "LOAD_ORDER"
    seen: set[str] = set()
    for name in LOAD_ORDER:
        missing = depends_on(name) - seen
        assert not missing, f"{name} is checked before {missing}"
        seen.add(name)


_check_order()
