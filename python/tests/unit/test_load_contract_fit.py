"""What the Ed-Fi issue found in the loader's contract, each a named test on a tiny
district's CSV export: a rejected row's reported value is its own column's, never
another's; several attendance events on a day load and one stands for the day, recorded;
credits earned on a failing mark load as 0, recorded; columns Ed-Fi makes optional may
be empty.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from k12ews import warehouse
from k12ews.export import export_raw
from k12ews.load import LoadError, load_folder
from k12ews.synth.district import GenerateConfig, generate

REPO = Path(__file__).resolve().parents[3]
TINY = GenerateConfig(students=300, years=2, first_year=2023, seed=5)


def read_rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_value(folder: Path, table: str, line: int, column: str, value: str) -> None:
    rows = read_rows(folder, table)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder, table, rows)


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("fit")
    district = generate(TINY)
    with warehouse.connect(work / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_raw(work / "gen.duckdb", work / "csv", "csv")
    return work / "csv"


@pytest.fixture
def folder(clean_export: Path, tmp_path: Path) -> Path:
    shutil.copytree(clean_export, tmp_path / "files")
    return tmp_path / "files"


def load(folder: Path, mode: str = "strict", **kwargs: object):  # type: ignore[no-untyped-def]
    db = folder.parent / "d.duckdb"
    return load_folder(folder, db, mode=mode, project_dir=REPO, **kwargs), db  # type: ignore[arg-type]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_required_problem_reports_its_own_empty_value_not_a_later_columns(
    folder: Path,
) -> None:
    # an empty required column first, then a bad date on the same row: the first
    # problem (required) is reported with no value, never the date's
    set_value(folder, "assessments", 2, "assessment_id", "")
    set_value(folder, "assessments", 2, "administration_date", "2019-01-01")
    with pytest.raises(LoadError) as strict:
        load(folder)
    first = next(p for p in strict.value.problems if p.file == "assessments.csv" and p.line == 2)
    assert (first.rule, first.column, first.value) == ("required", "assessment_id", None)
    _, db = load(folder, mode="quarantine")
    rule, column, value, problems = query(
        db,
        "select rule, column_name, value, problems from audit.raw_rejects "
        "where file = 'assessments.csv' and line = 2",
    )[0]
    assert (rule, column, value) == ("required", "assessment_id", None)
    assert "date_outside_school_year administration_date" in problems


def test_two_events_on_a_day_both_load_and_the_one_not_kept_is_recorded(folder: Path) -> None:
    rows = read_rows(folder, "attendance_events")
    h = rows[0]
    absent = next(i for i, r in enumerate(rows[1:], start=1) if r[h.index("event_type")] == "UA")
    tardy = list(rows[absent])
    tardy[h.index("event_type")] = "T"
    tardy[h.index("event_duration")] = "0.05"
    tardy[h.index("minutes_missed")] = "20"
    write_rows(folder, "attendance_events", [*rows, tardy])
    result, db = load(folder)  # strict: nothing is rejected
    assert result.rows_rejected == 0
    student, school, date = (
        rows[absent][h.index(c)] for c in ("student_id", "school_id", "event_date")
    )
    with duckdb.connect(str(db), read_only=True) as con:
        kept = con.execute(
            "select event_type from raw.attendance_events where student_id = ? "
            "and school_id = ? and event_date = ? order by 1",
            [student, int(school), date],
        ).fetchall()
        recorded = con.execute(
            "select line, rule, column_name, old_value, new_value, message "
            "from audit.raw_adjustments where rule = 'attendance_daily_precedence'"
        ).fetchall()
    assert kept == [("T",), ("UA",)]
    assert len(recorded) == 1
    line, _, column, old, new, message = recorded[0]
    assert (line, column, old, new) == (len(rows) + 1, "event_type", "T", "UA")
    assert f"line {absent + 1} (UA) stands for the day" in message
    assert (
        result.adjustments_by_file_rule[("attendance_events.csv", "attendance_daily_precedence")]
        == 1
    )


def test_credits_earned_on_a_failing_mark_load_as_zero_and_are_recorded(folder: Path) -> None:
    rows = read_rows(folder, "course_grades")
    h = rows[0]
    line = next(
        i + 1
        for i, r in enumerate(rows[1:], start=1)
        if r[h.index("letter_grade")] == "F" and float(r[h.index("credits_attempted")]) > 0
    )
    rows[line - 1][h.index("credits_earned")] = rows[line - 1][h.index("credits_attempted")]
    sent = rows[line - 1][h.index("credits_earned")]
    write_rows(folder, "course_grades", rows)
    result, db = load(folder)
    assert result.rows_rejected == 0
    r = rows[line - 1]
    assert query(
        db,
        "select credits_earned from raw.course_grades where student_id = "
        f"'{r[h.index('student_id')]}' and course_code = '{r[h.index('course_code')]}' "
        f"and school_year = {r[h.index('school_year')]} and term = '{r[h.index('term')]}'",
    ) == [(0.0,)]
    assert query(
        db,
        "select line, column_name, old_value, new_value from audit.raw_adjustments "
        "where rule = 'credits_on_failing_mark'",
    ) == [(line, "credits_earned", str(float(sent)), "0.0")]


def test_columns_ed_fi_makes_optional_may_be_empty(folder: Path) -> None:
    set_value(folder, "attendance_events", 2, "event_duration", "")
    for column in ("frl_status", "has_iep", "is_gifted"):
        set_value(folder, "student_characteristics", 2, column, "")
    set_value(folder, "program_services", 2, "tier", "")
    set_value(folder, "discipline_incidents", 2, "action", "")
    result, db = load(folder)
    assert result.rows_rejected == 0
    assert query(db, "select count(*) from raw.attendance_events where event_duration is null") == [
        (1,)
    ]
    assert query(db, "select count(*) from raw.student_characteristics where has_iep is null") == [
        (1,)
    ]
