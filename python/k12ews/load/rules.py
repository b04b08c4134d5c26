"""The loader's rules: what a raw contract file must satisfy beyond its column types.

:mod:`k12ews.contract` gives each table its columns, types, required flags, keys,
references and crosswalks; this module adds the value rules a loader checks and
``docs/data_contract.md`` documents (both are generated from the same objects):
ranges, fixed code lists, cross-column rules, dates inside the school year,
future dates, and the checks against enrollments and the calendar.

Every rule has a stable name (``RULES``): the name appears in strict-mode reports
and in ``audit.raw_rejects.rule``. What a rule can resolve is not rejected but
adjusted (``ADJUSTMENTS``): each adjusted row is recorded in ``audit.raw_adjustments``
with what changed and why, and the accounting still closes (rows read = loaded +
rejected + merged). The tolerances of those rules are settings (:class:`LoadSettings`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from k12ews import contract

# name -> what it means (the order is the order checks run in and reports sort by)
RULES: dict[str, str] = {
    "missing_file": "A required contract table (schools, students, enrollments) has no file "
    "in the folder (an optional table's file may be left out: it loads empty); courses "
    "is required when course_grades has rows.",
    "no_rows": "A required table's file has a header but no rows.",
    "duplicate_file": "A table has both a CSV and a Parquet file.",
    "empty_file": "The file has no header line.",
    "wrong_delimiter": "The header is not comma-delimited (semicolon, tab or pipe found).",
    "edfi_syntax": "An Ed-Fi extract's file that cannot be read: not valid JSON, NDJSON or "
    "interchange XML, or a record that is not an object (k12ews load --edfi).",
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
    "duplicate_key": "Two or more rows share the table's key but differ in another column "
    "(all of them are rejected; rows identical in every column are merged: "
    "exact_duplicate).",
    "orphan_reference": "A reference to a row that is not in (or was rejected from) "
    "the referenced table.",
    "grade_outside_school_span": "An enrollment's grade level is outside its school's grade "
    "span (schools.low_grade to high_grade; --no-grade-span-check for a district whose "
    "schools changed their grades over the years).",
    "weekend_instructional": "A Saturday or Sunday marked as an instructional day (a district "
    "with weekend school days loads with --allow-weekend-instruction).",
    "overlapping_enrollment": "Two enrollment spells of one student overlap in a way no rule "
    "resolves: both entered on the same date (when all but one are one-day spells, only "
    "those are rejected: a no-show), or an overlap longer than the setting "
    "max_overlap_days (both are rejected). Other overlaps load: overlap_cut. An open "
    "spell lasts to its school year's last day.",
    "outside_enrollment": "A record of a student at a school on a day (or, undated, in a "
    "school year) the student was not enrolled there; a yearly characteristics row of a "
    "student not enrolled that year.",
    "not_instructional_day": "Attendance on a day that is not an instructional day in "
    "the school's calendar (not checked for a school-year the export has no calendar for: "
    "its school days, and so its attendance, are then unknown).",
}

# What the loader resolves instead of rejecting: name -> what it does. Each adjusted row
# is a row of audit.raw_adjustments (file, line, column, old and new value, message).
ADJUSTMENTS: dict[str, str] = {
    "exact_duplicate": "A row identical in every column to an earlier row of the same file "
    "(one record sent twice): the first is loaded, the copy is merged into it and counted "
    "as merged, not rejected.",
    "school_from_records": "An enrollment spell sent without its school: if the student's "
    "own records of that school year (attendance, incidents, tests, services and family "
    "contacts dated inside the spell; course marks and activities of the year), leaving out "
    "schools where the student has another spell that year, name exactly one school, the "
    "spell loads with it; otherwise it is rejected (required).",
    "exit_after_school_year": "An enrollment's exit date after the last day of its school "
    "year (30 June), such as an exit typed into the next year: the spell loads ending on "
    "the school year's last day; the date sent is recorded.",
    "overlap_cut": "An enrollment spell overlapped by a later-entered spell of the same "
    "student (a transfer recorded a few days late, an exit pre-filled to the year's end, "
    "or one never entered) loads as sent; the warehouse applies the rule of "
    "int_enrollments__cleaned (the later spell stands, the earlier ends the day before it), "
    "recorded here with the last day it gets.",
    "credits_on_failing_mark": "A failing mark (seed xwalk_letter_grades, is_failing) sent "
    "with credits earned above 0: it loads with 0 credits earned, as the contract says a "
    "failing mark earns none; the credits sent are recorded.",
    "attendance_daily_precedence": "Several attendance events of a student at a school on "
    "one date (Ed-Fi keys an event by its category): all load as sent, and the warehouse "
    "keeps one for the day (int_student_school_days__attendance_events: an absence first, a longer "
    "absence first, then the code's daily_precedence in seed xwalk_attendance_events, then "
    "the code); each other event is recorded here with the one that stands for the day.",
}

FILE_RULES = frozenset(
    {
        "missing_file",
        "no_rows",
        "duplicate_file",
        "empty_file",
        "wrong_delimiter",
        "edfi_syntax",
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
    **{
        ("sel_screener_results", c): Range(0, 100)
        for c in (
            "self_awareness",
            "self_management",
            "social_awareness",
            "relationship_skills",
            "responsible_decision_making",
            "composite_t_score",
        )
    },
    **{
        ("climate_survey_responses", c): Range(1, 5)
        for c in ("belonging", "peer_relationships", "adult_support")
    },
    ("climate_survey_responses", "items_answered"): Range(0, 200),
    ("math_interim_assessments", "scale_score"): Range(0, None),
    ("math_interim_assessments", "standard_error"): Range(0, None),
    ("math_interim_assessments", "national_percentile"): Range(1, 99),
    ("math_interim_assessments", "growth_percentile"): Range(1, 99),
    ("advanced_coursework", "exam_score"): Range(1, 7),
    ("college_readiness_exams", "reading_writing_score"): Range(1, 800),
    ("college_readiness_exams", "math_score"): Range(1, 800),
    ("college_readiness_exams", "total_score"): Range(1, 1600),
    ("cte_participation", "credits_earned"): Range(0, 10),
}
# every school_year column
SCHOOL_YEAR_RANGE = Range(1950, 2100)

# Coded columns whose codes are a fixed list rather than a crosswalk seed: the
# success-metric tables' (#14) short, standard code lists, and the kinds of caseload,
# which the access rules (seed access_rules) name, so a district cannot add one.
FIXED_CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sel_screener_results", "screening_window"): ("fall", "winter", "spring"),
    ("sel_screener_results", "rater"): ("teacher", "self", "parent"),
    ("math_interim_assessments", "test_window"): ("fall", "winter", "spring"),
    ("math_interim_assessments", "domain"): (
        "overall",
        "operations_algebraic_thinking",
        "number_operations",
        "measurement_data",
        "geometry",
    ),
    ("advanced_coursework", "program"): ("AP", "IB", "DE"),
    ("college_readiness_exams", "exam"): ("SAT", "ACT"),
    ("postsecondary_enrollments", "college_level"): ("4-year", "2-year", "less-than-2-year"),
    ("postsecondary_enrollments", "college_control"): ("public", "private"),
    ("postsecondary_enrollments", "enrollment_status"): ("F", "Q", "H", "L", "A", "W", "D"),
    ("staff_caseloads", "caseload_type"): ("counselling", "case_management"),
}

# Grade-level columns checked against seed xwalk_grade_levels besides those the
# contract already marks as coded.
GRADE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("schools", "low_grade"),
    ("schools", "high_grade"),
    ("courses", "grade_level"),
    ("assessments", "grade_level"),
    ("sel_screener_results", "grade_level"),
    ("climate_survey_responses", "grade_level"),
    ("math_interim_assessments", "grade_level"),
    ("college_readiness_exams", "grade_level"),
)


@dataclass(frozen=True)
class LoadSettings:
    """The tolerances of the rules that resolve rather than reject (CLI flags of
    ``k12ews load``; the defaults are documented in docs/data_contract.md)."""

    # overlap_cut resolves an overlap of at most this many days (None: any length);
    # a longer one is rejected as overlapping_enrollment. An open (never exited) earlier
    # spell is always cut: its overlap has no length to judge.
    max_overlap_days: int | None = None
    # a district with Saturday school sets this; otherwise a weekend instructional day
    # is rejected (weekend_instructional)
    allow_weekend_instruction: bool = False
    # schools.csv gives one grade span per school, today's: a district that reconfigured
    # a school (grade 6 moved to the middle school) loads its history with this off
    check_grade_span: bool = True

    def __post_init__(self) -> None:
        if self.max_overlap_days is not None and self.max_overlap_days < 0:
            raise ValueError("max_overlap_days must not be negative")


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row: ``sql`` is true when the row is valid."""

    table: str
    columns: tuple[str, ...]
    sql: str
    text: str
    rule: str = "inconsistent"
    # the setting (a LoadSettings field) that switches the rule off when true
    unless: str | None = None


_ENDS_AFTER = "end_date IS NULL OR end_date >= begin_date"

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
        "exit_code IS NULL OR exit_date IS NOT NULL",
        "an exit_code only with an exit_date (an exit_date without a code is an exit for "
        "an unknown reason)",
    ),
    RowRule(
        "calendar_days",
        ("calendar_date", "is_instructional_day"),
        "NOT is_instructional_day OR dayofweek(calendar_date) NOT IN (0, 6)",
        "no instructional day on a Saturday or Sunday",
        rule="weekend_instructional",
        unless="allow_weekend_instruction",
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
    *(
        RowRule(t, ("begin_date", "end_date"), _ENDS_AFTER, "end_date on or after begin_date")
        for t in ("staff_assignments", "staff_caseloads", "section_staff", "section_enrollments")
    ),
    RowRule(
        "students",
        ("birth_date",),
        "birth_date >= DATE '1900-01-01'",
        "birth_date in 1900 or later",
    ),
    RowRule(
        "college_readiness_exams",
        ("exam", "total_score"),
        "exam <> 'ACT' OR total_score <= 36",
        "an ACT composite is at most 36",
        rule="range",
    ),
    RowRule(
        "fafsa_completions",
        ("submitted_date", "completed_date"),
        "completed_date IS NULL OR completed_date >= submitted_date",
        "completed_date on or after submitted_date",
    ),
    RowRule(
        "postsecondary_enrollments",
        ("enrollment_begin", "enrollment_end"),
        "enrollment_end IS NULL OR enrollment_end >= enrollment_begin",
        "enrollment_end on or after enrollment_begin",
    ),
)


def school_year_last_day_sql(year: str) -> str:
    """SQL of the last day of school year ``year`` (the day before its first day)."""
    m, d = SCHOOL_YEAR_START
    assert m >= 3, "a school year named by its spring year starts after February"
    last = dt.date(2001, m, d) - dt.timedelta(days=1)
    return f"make_date(CAST({year} AS INTEGER), {last.month}, {last.day})"


@dataclass(frozen=True)
class ValueAdjustment:
    """A value the loader corrects by rule (``ADJUSTMENTS``): where ``when`` holds (SQL
    over the typed row), column ``column`` loads as ``value``; the row is recorded."""

    rule: str
    table: str
    column: str
    when: str
    value: str
    message: str  # SQL


VALUE_ADJUSTMENTS: tuple[ValueAdjustment, ...] = (
    ValueAdjustment(
        "credits_on_failing_mark",
        "course_grades",
        "credits_earned",
        # the failing marks of seed xwalk_letter_grades (k12ews.load.meanings)
        "credits_earned > 0 AND letter_grade IN (SELECT code FROM _failing_marks)",
        "CAST(0 AS DOUBLE)",
        "'a failing mark (' || letter_grade || ') earns no credit: the credits earned sent "
        "load as 0'",
    ),
    ValueAdjustment(
        "exit_after_school_year",
        "enrollments",
        "exit_date",
        f"exit_date > {school_year_last_day_sql('school_year')}",
        school_year_last_day_sql("school_year"),
        "'exit date after the last day of school year ' || school_year "
        "|| ': the spell ends on that day'",
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
    ("staff_caseloads", "begin_date"),
    ("section_enrollments", "begin_date"),
    ("sel_screener_results", "administration_date"),
    ("climate_survey_responses", "administration_date"),
    ("math_interim_assessments", "administration_date"),
    ("college_readiness_exams", "administration_date"),
    ("fafsa_completions", "submitted_date"),
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
    ("sel_screener_results", "administration_date"),
    ("climate_survey_responses", "administration_date"),
    ("math_interim_assessments", "administration_date"),
    ("college_readiness_exams", "administration_date"),
    ("fafsa_completions", "submitted_date"),
    ("postsecondary_enrollments", "enrollment_begin"),
)

# Records that must lie inside an enrollment spell of the student at the school:
# (table, date column); a null date column means "any spell in the row's school year".
INSIDE_ENROLLMENT: tuple[tuple[str, str | None], ...] = (
    ("attendance_events", "event_date"),
    ("discipline_incidents", "incident_date"),
    ("course_grades", None),
    ("assessments", None),
    ("program_services", None),
    ("extracurricular_participation", None),
    ("parent_contacts", None),
    ("staff_caseloads", None),
    ("section_enrollments", None),
    ("sel_screener_results", None),
    ("climate_survey_responses", None),
    ("math_interim_assessments", None),
    ("advanced_coursework", None),
    ("college_readiness_exams", None),
    ("cte_participation", None),
    ("fafsa_completions", None),
)

# An optional table whose rows each need a row of another optional table: sent with rows,
# it makes the other required (marks without the course catalogue cannot be judged).
REQUIRED_WITH: tuple[tuple[str, str], ...] = (("course_grades", "courses"),)

# Yearly rows without a school that must belong to a student enrolled that school year.
ENROLLED_IN_YEAR: tuple[str, ...] = ("student_characteristics",)

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
    "staff",
    "staff_assignments",
    "staff_caseloads",
    "sections",
    "section_staff",
    "section_enrollments",
    "sel_screener_results",
    "climate_survey_responses",
    "math_interim_assessments",
    "advanced_coursework",
    "college_readiness_exams",
    "cte_participation",
    "fafsa_completions",
    "postsecondary_enrollments",
)


def depends_on(table: str) -> set[str]:
    """Tables whose valid rows ``table``'s checks read."""
    deps = {ref for _, ref, _ in contract.table(table).references}
    if any(t == table for t, _ in INSIDE_ENROLLMENT) or table in ENROLLED_IN_YEAR:
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
