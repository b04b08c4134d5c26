"""The bad-input battery: each corruption of a clean export gives its intended error.

Every case corrupts a copy of a tiny district's CSV export and names what the loader
must report: file, physical line (header = 1), column, value and rule. Strict mode
must fail with that problem in its report and leave ``raw`` exactly as it was;
quarantine mode must load, put that line in ``audit.raw_rejects`` with its rule and
original text, and account for every line of every file (read = loaded + rejected,
and read = the file's physical lines after the header). File-level corruptions fail
in both modes, since no row of such a file can be judged.

Corruptions that cannot mask one another share a copy and one strict and one
quarantine load (``GROUPS``): file problems of different files (all are reported),
bad values on their own lines of leaf tables (read by the plain CSV path), broken
lines (read by the careful path), and the rows of parent tables (students, courses,
enrollments) whose rejection cascades, away from every row whose expected rule a
cascade could change. Each corruption is still its own test of its own report line
and quarantine row; a group only saves loads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq
import pytest

from k12ews import cli, contract, warehouse
from k12ews.export import export_raw
from k12ews.load import LoadCrash, LoadError, checks, load_folder
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import generate

REPO = Path(__file__).resolve().parents[3]
TINY = GenerateConfig(students=300, years=1, first_year=2024, seed=3)
STUDENT_TEXT = [c.name for c in contract.table("students").columns if c.type == "VARCHAR"]


@dataclass(frozen=True)
class Expect:
    file: str
    line: int | None
    column: str | None
    rule: str
    value: str | None = None
    file_level: bool = False


# ---------------------------------------------------------------- file helpers


def read_rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, table: str, rows: list[list[str]], delimiter: str = ",") -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)


def set_value(folder: Path, table: str, line: int, column: str, value: str) -> Expect:
    rows = read_rows(folder, table)
    assert rows[line - 1][rows[0].index(column)] != value
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder, table, rows)
    return Expect(f"{table}.csv", line, column, "", value)


def edit_line(folder: Path, table: str, line: int, change: Callable[[bytes], bytes]) -> None:
    path = folder / f"{table}.csv"
    lines = path.read_bytes().split(b"\n")
    changed = change(lines[line - 1])
    assert changed != lines[line - 1], f"{table} line {line} unchanged"
    lines[line - 1] = changed
    path.write_bytes(b"\n".join(lines))


def col(folder: Path, table: str, line: int, column: str) -> str:
    rows = read_rows(folder, table)
    return rows[line - 1][rows[0].index(column)]


def with_rule(e: Expect, rule: str) -> Expect:
    return Expect(e.file, e.line, e.column, rule, e.value)


# ---------------------------------------------------------------- the corruptions


def missing_file(d: Path) -> Expect:
    (d / "students.csv").unlink()  # a required table (an optional one may be left out)
    return Expect("students.csv", None, None, "missing_file", file_level=True)


def required_file_without_rows(d: Path) -> Expect:
    path = d / "schools.csv"
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    return Expect("schools.csv", None, None, "no_rows", file_level=True)


def duplicate_file(d: Path) -> Expect:
    (d / "courses.parquet").write_bytes(b"")
    return Expect("courses.csv", None, None, "duplicate_file", file_level=True)


def missing_column(d: Path) -> Expect:
    rows = [r[:4] + r[5:] for r in read_rows(d, "attendance_events")]
    write_rows(d, "attendance_events", rows)
    return Expect("attendance_events.csv", 1, "event_type", "missing_column", file_level=True)


def duplicate_column(d: Path) -> Expect:
    rows = [[*r, r[4]] for r in read_rows(d, "students")]
    write_rows(d, "students", rows)
    return Expect("students.csv", 1, "sex", "duplicate_column", file_level=True)


def empty_file(d: Path) -> Expect:
    (d / "schools.csv").write_bytes(b"")
    return Expect("schools.csv", 1, None, "empty_file", file_level=True)


def semicolon_file(d: Path) -> Expect:
    write_rows(d, "students", read_rows(d, "students"), delimiter=";")
    return Expect("students.csv", 1, None, "wrong_delimiter", file_level=True)


def tab_file(d: Path) -> Expect:
    write_rows(d, "courses", read_rows(d, "courses"), delimiter="\t")
    return Expect("courses.csv", 1, None, "wrong_delimiter", file_level=True)


def text_in_integer(d: Path) -> Expect:
    return with_rule(set_value(d, "attendance_events", 2, "school_year", "abc"), "type")


def decimal_in_integer(d: Path) -> Expect:
    return with_rule(set_value(d, "attendance_events", 3, "minutes_missed", "12.5"), "type")


def impossible_date(d: Path) -> Expect:
    return with_rule(set_value(d, "attendance_events", 4, "event_date", "2024-02-30"), "type")


def us_date_format(d: Path) -> Expect:
    return with_rule(set_value(d, "parent_contacts", 2, "contact_date", "10/25/2023"), "type")


def bad_boolean(d: Path) -> Expect:
    return with_rule(set_value(d, "student_characteristics", 2, "has_iep", "maybe"), "type")


def word_in_number(d: Path) -> Expect:
    return with_rule(set_value(d, "course_grades", 2, "numeric_grade", "eighty"), "type")


def nan_number(d: Path) -> Expect:
    return with_rule(set_value(d, "attendance_events", 5, "event_duration", "NaN"), "type")


def required_empty(d: Path) -> Expect:
    e = set_value(d, "enrollments", 6, "entry_date", "")
    return Expect(e.file, e.line, "entry_date", "required", None)


def grade_outside_school_span(d: Path) -> Expect:
    schools = {r[0]: (int(r[3]), int(r[4])) for r in read_rows(d, "schools")[1:]}
    low, high = schools[col(d, "enrollments", 7, "school_id")]
    grade = str(high + 1 if high < 12 else low - 1)
    return with_rule(
        set_value(d, "enrollments", 7, "grade_level", grade), "grade_outside_school_span"
    )


def weekend_instructional(d: Path) -> Expect:
    rows = read_rows(d, "calendar_days")
    h = rows[0]
    line = next(
        i + 1
        for i, r in enumerate(rows[1:], start=1)
        if dt.date.fromisoformat(r[h.index("calendar_date")]).weekday() == 5
    )
    set_value(d, "calendar_days", line, "calendar_event", "instructional")
    set_value(d, "calendar_days", line, "is_instructional_day", "true")
    return Expect("calendar_days.csv", line, "is_instructional_day", "weekend_instructional")


def future_birth_date(d: Path) -> Expect:
    return with_rule(set_value(d, "students", 3, "birth_date", "2030-01-01"), "future_date")


def date_outside_school_year(d: Path) -> Expect:
    e = set_value(d, "parent_contacts", 3, "contact_date", "2019-09-09")
    return with_rule(e, "date_outside_school_year")


def school_year_out_of_range(d: Path) -> Expect:
    e = set_value(d, "student_characteristics", 3, "school_year", "1800")
    return with_rule(e, "range")


def duplicate_key(d: Path) -> Expect:
    # same key, another value (a row identical in every column is merged, not rejected)
    rows = read_rows(d, "parent_contacts")
    copy = list(rows[1])
    method = rows[0].index("contact_method")
    copy[method] = "letter" if copy[method] != "letter" else "phone"
    rows.append(copy)
    write_rows(d, "parent_contacts", rows)
    return Expect("parent_contacts.csv", len(rows), "contact_reason", "duplicate_key")


def orphan_student(d: Path) -> Expect:
    e = set_value(d, "attendance_events", 6, "student_id", "NOSUCH")
    return with_rule(e, "orphan_reference")


def orphan_school(d: Path) -> Expect:
    return with_rule(set_value(d, "program_services", 2, "school_id", "999"), "orphan_reference")


def orphan_course(d: Path) -> Expect:
    e = set_value(d, "course_grades", 3, "course_code", "NOPE-01")
    return with_rule(e, "orphan_reference")


def overlapping_enrollment(d: Path) -> Expect:
    # the same entry date at a second school: neither spell is the later one
    schools = read_rows(d, "schools")
    twin = list(schools[1])
    twin[0] = str(max(int(r[0]) for r in schools[1:]) + 1)
    write_rows(d, "schools", [*schools, twin])
    rows = read_rows(d, "enrollments")
    extra = list(next(r for r in rows[1:] if r[1] == schools[1][0]))
    extra[1] = twin[0]
    rows.append(extra)
    write_rows(d, "enrollments", rows)
    return Expect("enrollments.csv", len(rows), "entry_date", "overlapping_enrollment")


def unknown_attendance_code(d: Path) -> Expect:
    e = set_value(d, "attendance_events", 7, "event_type", "ZZ")
    return with_rule(e, "unknown_code")


def unknown_grade_level(d: Path) -> Expect:
    return with_rule(set_value(d, "enrollments", 3, "grade_level", "13"), "unknown_code")


def unknown_term(d: Path) -> Expect:
    return with_rule(set_value(d, "course_grades", 4, "term", "T9"), "unknown_code")


def negative_credits(d: Path) -> Expect:
    return with_rule(set_value(d, "course_grades", 5, "credits_attempted", "-1.0"), "range")


def grade_over_100(d: Path) -> Expect:
    return with_rule(set_value(d, "course_grades", 6, "numeric_grade", "130"), "range")


def tier_out_of_range(d: Path) -> Expect:
    return with_rule(set_value(d, "program_services", 3, "tier", "7"), "range")


def t_score_out_of_range(d: Path) -> Expect:
    return with_rule(set_value(d, "sel_screener_results", 3, "composite_t_score", "150"), "range")


def unknown_screening_window(d: Path) -> Expect:
    e = set_value(d, "sel_screener_results", 5, "screening_window", "autumn")
    return with_rule(e, "unknown_code")


def percentile_out_of_range(d: Path) -> Expect:
    e = set_value(d, "math_interim_assessments", 3, "national_percentile", "0")
    return with_rule(e, "range")


def unknown_interim_domain(d: Path) -> Expect:
    e = set_value(d, "math_interim_assessments", 6, "domain", "algebra")
    return with_rule(e, "unknown_code")


def earned_more_than_attempted(d: Path) -> Expect:
    attempted = float(col(d, "course_grades", 7, "credits_attempted"))
    set_value(d, "course_grades", 7, "credits_earned", str(attempted + 1))
    return Expect("course_grades.csv", 7, "credits_attempted", "inconsistent")


def exit_before_entry(d: Path) -> Expect:
    set_value(d, "enrollments", 4, "exit_code", "TRANSFER_STATE")
    e = set_value(d, "enrollments", 4, "exit_date", "2023-08-01")
    return Expect(e.file, 4, "exit_date", "inconsistent")


def exit_code_without_date(d: Path) -> Expect:
    e = set_value(d, "enrollments", 5, "exit_code", "DROPOUT")
    return Expect(e.file, 5, "exit_code", "inconsistent")


def _enrollment_of(d: Path, line: int) -> tuple[list[str], list[str], dt.date]:
    att = read_rows(d, "attendance_events")
    h = att[0]
    row = att[line - 1]
    enr = read_rows(d, "enrollments")
    student = row[h.index("student_id")]
    spell = next(r for r in enr[1:] if r[0] == student and r[1:3] == row[1:3])
    return h, row, dt.date.fromisoformat(spell[4])


def attendance_on_weekend(d: Path) -> Expect:
    _, row, entry = _enrollment_of(d, 8)
    cal = read_rows(d, "calendar_days")
    day = next(
        r[2]
        for r in cal[1:]
        if r[0] == row[1] and r[3] == "false" and dt.date.fromisoformat(r[2]) > entry
    )
    e = set_value(d, "attendance_events", 8, "event_date", day)
    return with_rule(e, "not_instructional_day")


def attendance_outside_enrollment(d: Path) -> Expect:
    _, _, entry = _enrollment_of(d, 9)
    e = set_value(d, "attendance_events", 9, "event_date", str(entry - dt.timedelta(days=1)))
    return with_rule(e, "outside_enrollment")


def unknown_staff_role(d: Path) -> Expect:
    return with_rule(set_value(d, "staff_assignments", 2, "staff_role", "wizard"), "unknown_code")


def unknown_caseload_type(d: Path) -> Expect:
    e = set_value(d, "staff_caseloads", 2, "caseload_type", "tutoring")
    return with_rule(e, "unknown_code")


def assignment_ends_before_it_begins(d: Path) -> Expect:
    begin = dt.date.fromisoformat(col(d, "staff_assignments", 3, "begin_date"))
    set_value(d, "staff_assignments", 3, "end_date", str(begin - dt.timedelta(days=1)))
    return Expect("staff_assignments.csv", 3, "end_date", "inconsistent")


def caseload_outside_school_year(d: Path) -> Expect:
    e = set_value(d, "staff_caseloads", 3, "begin_date", "2019-09-09")
    return with_rule(e, "date_outside_school_year")


def orphan_staff(d: Path) -> Expect:
    return with_rule(set_value(d, "section_staff", 2, "staff_id", "NOSUCH"), "orphan_reference")


def orphan_section(d: Path) -> Expect:
    e = set_value(d, "section_enrollments", 2, "section_id", "NOSUCH")
    return with_rule(e, "orphan_reference")


def section_student_outside_enrollment(d: Path) -> Expect:
    # the section's student moved to a school of another level: never enrolled there
    schools = [r[0] for r in read_rows(d, "schools")[1:]]
    here = col(d, "section_enrollments", 4, "school_id")
    other = next(s for s in schools if s[:-3] != here[:-3])
    set_value(d, "section_enrollments", 4, "school_id", other)
    year = col(d, "section_enrollments", 4, "school_year")
    return Expect("section_enrollments.csv", 4, "school_year", "outside_enrollment", year)


def staff_without_id(d: Path) -> Expect:
    e = set_value(d, "staff", 2, "staff_id", "")
    return Expect(e.file, e.line, "staff_id", "required", None)


def semicolons_on_a_line(d: Path) -> Expect:
    edit_line(d, "attendance_events", 10, lambda b: b.replace(b",", b";"))
    return Expect("attendance_events.csv", 10, None, "field_count")


def extra_field(d: Path) -> Expect:
    edit_line(d, "attendance_events", 11, lambda b: b + b",extra")
    return Expect("attendance_events.csv", 11, None, "field_count")


def truncated_last_line(d: Path) -> Expect:
    path = d / "attendance_events.csv"
    data = path.read_bytes().rstrip(b"\n")
    last = data.rsplit(b"\n", 1)[1]
    path.write_bytes(data[: len(data) - len(last) // 2])
    lines = data.count(b"\n") + 1
    return Expect("attendance_events.csv", lines, None, "field_count")


def non_utf8_bytes(d: Path) -> Expect:
    edit_line(d, "parent_contacts", 4, lambda b: b.replace(b",", b",\xe9", 1))
    return Expect("parent_contacts.csv", 4, None, "encoding")


def unbalanced_quote(d: Path) -> Expect:
    edit_line(d, "courses", 3, lambda b: b.replace(b",", b',"', 1))
    return Expect("courses.csv", 3, None, "malformed_quotes")


def blank_line(d: Path) -> Expect:
    edit_line(d, "discipline_incidents", 3, lambda b: b"\n" + b)
    return Expect("discipline_incidents.csv", 3, None, "blank_line")


def control_byte(d: Path) -> Expect:
    edit_line(d, "course_grades", 8, lambda b: b.replace(b",", b",\x01", 1))
    return Expect("course_grades.csv", 8, None, "control_character")


def cr_only_line_ends(d: Path) -> Expect:
    """A file whose lines all end with CR alone (Excel on older Macs) is read line by
    line: a bad value on its third line is found there."""
    e = with_rule(set_value(d, "extracurricular_participation", 3, "school_year", "x"), "type")
    path = d / "extracurricular_participation.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    return e


def stray_carriage_return(d: Path) -> Expect:
    edit_line(d, "program_services", 4, lambda b: b.replace(b",", b",\r", 1))
    return Expect("program_services.csv", 4, None, "control_character")


def carriage_return_in_header(d: Path) -> Expect:
    edit_line(d, "parent_contacts", 1, lambda b: b.replace(b",", b"\r,", 1))
    return Expect("parent_contacts.csv", 1, None, "control_character", file_level=True)


def nul_byte_in_text(d: Path) -> Expect:
    method = col(d, "parent_contacts", 5, "contact_method")
    edit_line(d, "parent_contacts", 5, lambda b: b.replace(b"," + method.encode(), b",x\x00", 1))
    return Expect("parent_contacts.csv", 5, "contact_method", "control_character", "x\x00")


CORRUPTIONS: list[Callable[[Path], Expect]] = [
    missing_file,
    required_file_without_rows,
    grade_outside_school_span,
    weekend_instructional,
    duplicate_file,
    missing_column,
    duplicate_column,
    empty_file,
    semicolon_file,
    tab_file,
    text_in_integer,
    decimal_in_integer,
    impossible_date,
    us_date_format,
    bad_boolean,
    word_in_number,
    nan_number,
    required_empty,
    future_birth_date,
    date_outside_school_year,
    school_year_out_of_range,
    duplicate_key,
    orphan_student,
    orphan_school,
    orphan_course,
    overlapping_enrollment,
    unknown_attendance_code,
    unknown_grade_level,
    unknown_term,
    negative_credits,
    grade_over_100,
    tier_out_of_range,
    t_score_out_of_range,
    unknown_screening_window,
    percentile_out_of_range,
    unknown_interim_domain,
    earned_more_than_attempted,
    exit_before_entry,
    exit_code_without_date,
    attendance_on_weekend,
    attendance_outside_enrollment,
    semicolons_on_a_line,
    extra_field,
    truncated_last_line,
    non_utf8_bytes,
    unbalanced_quote,
    blank_line,
    control_byte,
    cr_only_line_ends,
    stray_carriage_return,
    carriage_return_in_header,
    nul_byte_in_text,
    unknown_staff_role,
    unknown_caseload_type,
    assignment_ends_before_it_begins,
    caseload_outside_school_year,
    orphan_staff,
    orphan_section,
    section_student_outside_enrollment,
    staff_without_id,
]

# Corruptions applied to one copy and judged by one strict and one quarantine load, in
# order (byte-level edits last in their file: the csv module cannot read them back).
GROUPS: tuple[tuple[Callable[[Path], Expect], ...], ...] = (
    # found before any file is read (all of them are reported)
    (missing_file,),
    (required_file_without_rows,),
    (duplicate_file,),
    # found in headers, one file each (all of them are reported)
    (missing_column, duplicate_column, empty_file, tab_file, carriage_return_in_header),
    (semicolon_file,),
    # bad values and references on their own lines of tables nothing depends on
    (
        text_in_integer,
        decimal_in_integer,
        impossible_date,
        nan_number,
        orphan_student,
        unknown_attendance_code,
        attendance_on_weekend,
        attendance_outside_enrollment,
        word_in_number,
        orphan_course,
        unknown_term,
        negative_credits,
        grade_over_100,
        earned_more_than_attempted,
        bad_boolean,
        school_year_out_of_range,
        orphan_school,
        tier_out_of_range,
        t_score_out_of_range,
        unknown_screening_window,
        percentile_out_of_range,
        unknown_interim_domain,
        us_date_format,
        date_outside_school_year,
        cr_only_line_ends,
        unknown_staff_role,
        unknown_caseload_type,
        assignment_ends_before_it_begins,
        caseload_outside_school_year,
        orphan_staff,
        orphan_section,
        section_student_outside_enrollment,
    ),
    # lines that cannot be split as records, and a repeated key
    (
        duplicate_key,
        nul_byte_in_text,
        semicolons_on_a_line,
        extra_field,
        truncated_last_line,
        control_byte,
        non_utf8_bytes,
        blank_line,
        stray_carriage_return,
    ),
    # rows of parent tables (their children are rejected too, after them in the report)
    (
        required_empty,
        future_birth_date,
        unknown_grade_level,
        exit_before_entry,
        exit_code_without_date,
        grade_outside_school_span,
        weekend_instructional,
        staff_without_id,
        unbalanced_quote,
    ),
    # rejects the first student's spell, whose rows several corruptions above use
    (overlapping_enrollment,),
)


@dataclass
class Outcome:
    """One group's loads: what each strict and quarantine load reported."""

    folder: Path
    expects: dict[str, Expect]
    strict: LoadError
    raw_kept: bool  # raw unchanged after the failed strict load (and quarantine, if it failed)
    quarantine: LoadError | None = None  # a file-level group fails in quarantine mode too
    rows_rejected: int = 0
    rejects: dict[tuple[str, int], list[tuple[str, str, str, str]]] = field(default_factory=dict)
    loads: list[tuple[str, int, int, int]] = field(default_factory=list)
    raw_counts: dict[str, int] = field(default_factory=dict)
    rejects_per_file: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- fixtures and test


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("battery")
    district = generate(TINY)
    with warehouse.connect(work / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_raw(work / "gen.duckdb", work / "csv", "csv")
    return work / "csv"


@pytest.fixture(scope="module")
def clean_db(clean_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("battery_db") / "clean.duckdb"
    result = load_folder(clean_export, db, project_dir=REPO)
    assert result.rows_rejected == 0
    return db


def raw_fingerprint(db: Path) -> dict[str, tuple[int, int]]:
    with warehouse.connect(db, read_only=True) as con:
        names = warehouse.table_counts(con, warehouse.RAW)
        return {
            n: tuple(  # type: ignore[misc]
                con.execute(f'select count(*), sum(hash(t)) from raw."{n}" as t').fetchone()
            )
            for n in names
        }


def physical_lines(path: Path) -> int:
    """Lines end with LF, or with CR alone in a file without LF."""
    data = path.read_bytes()
    end = b"\n" if b"\n" in data else b"\r"
    return len(data.split(end)) - (1 if data.endswith(end) else 0)


def _quarantined(outcome: Outcome, db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        for file, line, rule, column, value, text in con.execute(
            "select file, line, rule, column_name, value, original_text from audit.raw_rejects"
        ).fetchall():
            outcome.rejects.setdefault((file, line), []).append((rule, column, value, text))
        outcome.loads = con.execute(
            "select file, rows_read, rows_loaded, rows_rejected from audit.raw_loads"
        ).fetchall()
        outcome.raw_counts = warehouse.table_counts(con, warehouse.RAW)
        outcome.rejects_per_file = dict(
            con.execute("select file, count(*) from audit.raw_rejects group by file").fetchall()
        )
    finally:
        con.close()


def run_group(
    group: tuple[Callable[[Path], Expect], ...], clean_export: Path, clean_db: Path, work: Path
) -> Outcome:
    """Corrupt one copy with every corruption of ``group``; load it strict, then quarantine."""
    folder = work / "files"
    shutil.copytree(clean_export, folder)
    expects = {c.__name__: c(folder) for c in group}
    db = work / "d.duckdb"
    shutil.copy(clean_db, db)
    before = raw_fingerprint(db)
    with pytest.raises(LoadError) as strict:
        load_folder(folder, db, mode="strict", project_dir=REPO)
    outcome = Outcome(folder, expects, strict.value, raw_fingerprint(db) == before)
    if any(e.file_level for e in expects.values()):
        with pytest.raises(LoadError) as quarantine:
            load_folder(folder, db, mode="quarantine", project_dir=REPO)
        outcome.quarantine = quarantine.value
        outcome.raw_kept = outcome.raw_kept and raw_fingerprint(db) == before
        return outcome
    outcome.rows_rejected = load_folder(
        folder, db, mode="quarantine", project_dir=REPO
    ).rows_rejected
    _quarantined(outcome, db)
    return outcome


@pytest.fixture(scope="module")
def outcomes(
    clean_export: Path, clean_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[int], Outcome]:
    """The outcome of group ``i``, loaded the first time a test asks for it."""
    done: dict[int, Outcome] = {}

    def outcome(i: int) -> Outcome:
        if i not in done:
            work = tmp_path_factory.mktemp(f"group{i}")
            done[i] = run_group(GROUPS[i], clean_export, clean_db, work)
        return done[i]

    return outcome


def group_of(corrupt: Callable[[Path], Expect]) -> int:
    return next(i for i, g in enumerate(GROUPS) if corrupt in g)


def test_the_battery_has_at_least_30_distinct_corruptions() -> None:
    assert len({c.__name__ for c in CORRUPTIONS}) == len(CORRUPTIONS) >= 30


def test_every_corruption_is_in_exactly_one_group() -> None:
    grouped = [c.__name__ for g in GROUPS for c in g]
    assert sorted(grouped) == sorted(c.__name__ for c in CORRUPTIONS)


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda c: c.__name__)
def test_corruption_gives_its_error_and_its_quarantine_row(
    corrupt: Callable[[Path], Expect], outcomes: Callable[[int], Outcome]
) -> None:
    outcome = outcomes(group_of(corrupt))
    expect = outcome.expects[corrupt.__name__]

    # strict: fails, names file, line, column, value and rule; raw untouched
    error = outcome.strict
    matches = [
        p
        for p in error.problems
        if p.file == expect.file and p.rule == expect.rule and p.line == expect.line
    ]
    assert matches, f"{expect} not in:\n{error}"
    p = matches[0]
    if expect.column is not None:
        assert p.column == expect.column, p
    if expect.value is not None:
        assert p.value == expect.value, p
        assert repr(expect.value) in str(p)
    assert expect.file in str(error) and expect.rule in str(error)
    assert outcome.raw_kept

    if expect.file_level:
        assert outcome.quarantine is not None
        assert expect.rule in str(outcome.quarantine)
        return

    # quarantine: loads; the intended row is quarantined with its rule and text
    rejects = outcome.rejects.get((expect.file, expect.line))
    assert rejects, f"line {expect.line} of {expect.file} not quarantined"
    rule, column, value, text = rejects[0]
    assert rule == expect.rule
    if expect.column is not None:
        assert column == expect.column
    if expect.value is not None:
        assert value == expect.value
    assert text


@pytest.mark.parametrize("i", range(len(GROUPS)), ids=lambda i: GROUPS[i][0].__name__)
def test_quarantine_accounts_for_every_line_of_every_file(
    i: int, outcomes: Callable[[int], Outcome]
) -> None:
    outcome = outcomes(i)
    if outcome.quarantine is not None:
        return  # a file-level problem: nothing loads
    assert outcome.rows_rejected >= len(outcome.expects)
    for file, read, loaded, rejected in outcome.loads:
        assert read == loaded + rejected, file
        assert rejected == outcome.rejects_per_file.get(file, 0), file
        assert outcome.raw_counts[file.rsplit(".", 1)[0]] == loaded, file
        assert read == physical_lines(outcome.folder / file) - 1, f"{file}: a line went uncounted"


def test_a_nul_byte_in_a_parquet_text_value_is_rejected_with_its_column(
    clean_export: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    shutil.copytree(clean_export, folder)
    students = pv.read_csv(
        folder / "students.csv",
        convert_options=pv.ConvertOptions(column_types=dict.fromkeys(STUDENT_TEXT, pa.string())),
    )
    names = students.column("first_name").to_pylist()
    names[3] = "Ann\x00e"  # the fourth row: a Parquet file's "line" is its row number
    students = students.set_column(1, "first_name", pa.array(names, pa.string()))
    (folder / "students.csv").unlink()
    pq.write_table(students, folder / "students.parquet")
    with pytest.raises(LoadError) as strict:
        load_folder(folder, tmp_path / "p.duckdb", project_dir=REPO)
    first = strict.value.problems[0]
    assert (first.file, first.line, first.column, first.rule, first.value) == (
        "students.parquet",
        4,
        "first_name",
        "control_character",
        "Ann\x00e",
    )
    assert "holds a NUL byte" in first.message


def _load_cli(folder: Path, db: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["load", str(folder), "--db", str(db), "--project-dir", str(REPO)])
    return code, out.getvalue(), err.getvalue()


def test_a_loader_crash_is_one_line_naming_the_file_and_raw_is_kept(
    clean_export: Path, clean_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the loader on one file (here: the check of courses.csv raises) gives
    one line naming that file through the API's LoadCrash and the CLI's exit code 2."""
    db = tmp_path / "d.duckdb"
    shutil.copy(clean_db, db)
    before = raw_fingerprint(db)
    finish = checks.finish

    def broken(con: duckdb.DuckDBPyConnection, judged: checks.Judged) -> None:
        if judged.name == "courses":
            raise duckdb.InternalException("something\nbroke")
        finish(con, judged)

    monkeypatch.setattr(checks, "finish", broken)
    with pytest.raises(LoadCrash, match=r"courses\.csv: InternalException: something"):
        load_folder(clean_export, db, project_dir=REPO)
    code, out, err = _load_cli(clean_export, db)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "courses.csv" in err and "raw left unchanged" in err, err
    assert raw_fingerprint(db) == before


def test_a_failure_outside_any_file_is_one_line_too(
    clean_export: Path, clean_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "d.duckdb"
    shutil.copy(clean_db, db)
    before = raw_fingerprint(db)

    def broken(*args: object) -> None:
        raise OSError("disk full\nsecond line")

    monkeypatch.setattr(warehouse, "replace_raw_from_load", broken)
    code, out, err = _load_cli(clean_export, db)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "OSError: disk full" in err and "raw left unchanged" in err, err
    assert raw_fingerprint(db) == before


def test_unnamed_and_repeated_extra_columns_are_ignored_with_a_note(
    clean_export: Path, clean_db: Path, tmp_path: Path
) -> None:
    """Found by the fuzz test: a header starting ",," failed the load as a duplicate
    column named '' (the empty name). Columns outside the contract, unnamed or
    repeated, are ignored like any other extra column; a repeated contract column
    still fails (duplicate_column above)."""
    folder = tmp_path / "files"
    shutil.copytree(clean_export, folder)
    write_rows(folder, "schools", [["", "", *r] for r in read_rows(folder, "schools")])
    rows = read_rows(folder, "students")
    write_rows(
        folder,
        "students",
        [[*r, *(["notes", "notes"] if i == 0 else ["a", "b"])] for i, r in enumerate(rows)],
    )
    db = tmp_path / "d.duckdb"
    result = load_folder(folder, db, project_dir=REPO)
    assert result.rows_rejected == 0
    notes = "\n".join(result.notes)
    assert "schools.csv: column(s) (unnamed, field 1), (unnamed, field 2) not in" in notes
    assert "students.csv: column(s) notes, notes not in the contract: ignored" in notes
    assert raw_fingerprint(db) == raw_fingerprint(clean_db)
