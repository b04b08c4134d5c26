"""A messy or partial export gives honest marts: the findings of the messy-export issue
that only the built warehouse can show, each a named test.

Three loads of the small test district's export (1,300 students, 2021-2024, built as of
its last date, 2023-12-01), each built with the SQL layer and its data tests:

- ``clean``: the export as it is;
- ``messy``: a doubly-sent attendance day (finding 2), an exit typed three years on and
  every open spell's exit pre-filled with the year's last day (3), a school that sent
  no attendance this year and one whose attendance stopped a month before a past year
  ended (4);
- ``extract``: a de-identified research extract (students with an id only, enrollments
  without entry and exit codes) with no attendance, course or mark files, and neither
  the social-emotional screener nor FAFSA (5, 9).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dbt_runner import run_dbt

from k12ews.check import check_folder
from k12ews.export import export_raw
from k12ews.load import load_folder
from k12ews.summary import summary

REPO = Path(__file__).resolve().parents[3]
AS_OF = dt.date(2023, 12, 1)
BUILD = ("build", "--selector", "sql_layer", "--exclude-resource-type", "unit_test")


def read_rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def export(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("partial") / "clean_files"
    export_raw(small_db, out, "csv")
    return out


def _load_and_build(
    export: Path, work: Path, change: Callable[[Path], dict[str, object]] | None = None
) -> tuple[Path, dict[str, object]]:
    folder = work / "files"
    shutil.copytree(export, folder)
    facts = change(folder) if change else {}
    db = work / "warehouse.duckdb"
    load_folder(folder, db, "quarantine", as_of=AS_OF, project_dir=REPO)
    proc = run_dbt(db, work, *BUILD)
    assert proc.returncode == 0, proc.stdout[-3000:]
    facts["folder"] = folder
    return db, facts


def _messy(folder: Path) -> dict[str, object]:
    schools = {r[2]: r[0] for r in read_rows(folder, "schools")[1:]}
    elementary, middle, high = schools["Elementary"], schools["Middle"], schools["High"]
    att = read_rows(folder, "attendance_events")
    h = att[0]
    si, yi, di = h.index("school_id"), h.index("school_year"), h.index("event_date")
    # 2: one attendance day of a student sent twice (a school and year 4 leaves alone)
    doubled = next(r for r in att[1:] if r[yi] == "2022" and r[si] == high)
    # 4: the elementary school sent nothing this year; the middle school's 2022
    # attendance stops a month before its year ends
    last_day = max(
        dt.date.fromisoformat(r[di]) for r in att[1:] if r[si] == middle and r[yi] == "2022"
    )
    stop = last_day - dt.timedelta(days=30)
    kept = [
        r
        for r in att[1:]
        if not (r[si] == elementary and r[yi] == "2024")
        and not (r[si] == middle and r[yi] == "2022" and dt.date.fromisoformat(r[di]) > stop)
    ]
    write_rows(folder, "attendance_events", [h, *kept, doubled, doubled])
    # 3: an exit typed three years on, and every open spell's exit pre-filled to June
    enr = read_rows(folder, "enrollments")
    h = enr[0]
    ei, ci, yi = h.index("exit_date"), h.index("exit_code"), h.index("school_year")
    typo = next(i for i, r in enumerate(enr[1:], 1) if r[yi] == "2022" and r[ei])
    typed = enr[typo][ei]
    enr[typo][ei] = str(dt.date.fromisoformat(typed).replace(year=2025))
    prefilled = 0
    for r in enr[1:]:
        if not r[ei]:
            r[ei], r[ci] = "2024-06-07", "END_OF_YEAR"
            prefilled += 1
    write_rows(folder, "enrollments", enr)
    student, school = doubled[h.index("student_id")], doubled[1]
    return {
        "elementary": int(elementary),
        "middle": int(middle),
        "stop": stop,
        "doubled_student": student,
        "doubled_school": int(school),
        "typo_exit": typed,
        "prefilled": prefilled,
    }


def _extract(folder: Path) -> dict[str, object]:
    students = read_rows(folder, "students")
    write_rows(folder, "students", [[r[0]] for r in students])
    enr = read_rows(folder, "enrollments")
    drop = {enr[0].index("entry_type"), enr[0].index("exit_code")}
    write_rows(folder, "enrollments", [[v for j, v in enumerate(r) if j not in drop] for r in enr])
    # no course catalogue, so no sections either (a section names its course)
    for table in (
        "attendance_events",
        "course_grades",
        "courses",
        "sections",
        "section_staff",
        "section_enrollments",
        "sel_screener_results",
        "fafsa_completions",
    ):
        (folder / f"{table}.csv").unlink()
    return {}


@pytest.fixture(scope="module")
def clean(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _load_and_build(export, tmp_path_factory.mktemp("clean"))[0]


@pytest.fixture(scope="module")
def messy(export: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    return _load_and_build(export, tmp_path_factory.mktemp("messy"), _messy)


@pytest.fixture(scope="module")
def extract(
    export: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, object]]:
    return _load_and_build(export, tmp_path_factory.mktemp("extract"), _extract)


def q(db: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def both(clean: Path, messy: Path, sql: str) -> tuple[list[tuple], list[tuple]]:
    return q(clean, sql), q(messy, sql)


# ---------------------------------------------------------------- findings 2 and 3


def test_finding_02_a_doubly_sent_attendance_day_counts_once(
    clean: Path, messy: tuple[Path, dict[str, object]]
) -> None:
    db, facts = messy
    sql = (
        "select days_absent, days_enrolled from int.int_student_school_years__attendance "
        f"where student_id = '{facts['doubled_student']}' and school_year = 2022 "
        f"and school_id = {facts['doubled_school']}"
    )
    assert q(db, sql) == q(clean, sql)
    assert q(db, "select count(*) from audit.raw_adjustments where rule = 'exact_duplicate'") == [
        (2,)
    ]


def test_finding_03_exit_dates_never_move_the_as_of_date(
    clean: Path, messy: tuple[Path, dict[str, object]]
) -> None:
    db, facts = messy
    assert facts["prefilled"] > 500  # every current spell was sent with a June exit
    as_of = "select as_of_date from int.int_warehouse__as_of_date"
    assert q(db, as_of) == q(clean, as_of) == [(AS_OF,)]
    # every year's chronic absence stands as in the clean build, except the two
    # school-years whose attendance the messy export cut (finding 4)
    sql = (
        "select school_year, school_id, count(*) filter (where is_chronically_absent) "
        "from ews.ews_student_year group by all order by all"
    )
    cut = {(2024, facts["elementary"]), (2022, facts["middle"])}
    clean_rows, messy_rows = both(clean, db, sql)
    assert [r for r in clean_rows if r[:2] not in cut] == [
        r for r in messy_rows if r[:2] not in cut
    ]
    current = "select count(*) from ews.ews_student_current"
    assert q(db, current) == q(clean, current)
    assert q(
        db,
        "select old_value, new_value from audit.raw_adjustments "
        "where rule = 'exit_after_school_year'",
    ) == [(str(dt.date.fromisoformat(str(facts["typo_exit"])).replace(year=2025)), "2022-06-30")]


# ---------------------------------------------------------------- finding 4


def test_finding_04_a_school_without_attendance_this_year_is_unknown_not_present(
    messy: tuple[Path, dict[str, object]],
) -> None:
    db, facts = messy
    school = facts["elementary"]
    assert q(
        db,
        "select status, reason from core.fct_data_coverage "
        "where school_id = ? and school_year = 2024 and source_name = 'attendance_events'",
        school,
    ) == [("absent", "no attendance recorded for the school this year")]
    rows = q(
        db,
        "select count(*), count(days_enrolled), count(is_chronically_absent), "
        "count(*) filter (where attendance_data_status = 'absent'), "
        "count(*) filter (where unknown_indicators like '%attendance%') "
        "from ews.ews_student_year where school_id = ? and school_year = 2024",
        school,
    )
    n = rows[0][0]
    assert n > 300 and rows == [(n, 0, 0, n, n)]
    assert q(
        db,
        "select count(*) filter (where flag_attendance is not null) from ews.ews_elementary "
        "where school_id = ? and school_year = 2024",
        school,
    ) == [(0,)]
    # the freshness mart says the same, by the same rule
    assert q(
        db,
        "select is_lagging from core.fct_school_data_freshness "
        "where school_id = ? and source_table = 'attendance_events'",
        school,
    ) == [(True,)]


def test_finding_04_attendance_that_stops_before_the_year_ends_is_not_counted_present(
    clean: Path, messy: tuple[Path, dict[str, object]]
) -> None:
    db, facts = messy
    school, stop = facts["middle"], facts["stop"]
    ((status, through),) = q(
        db,
        "select status, data_complete_through_date from core.fct_data_coverage "
        "where school_id = ? and school_year = 2022 and source_name = 'attendance_events'",
        school,
    )
    assert status == "partial" and through <= stop
    counted = (
        "select max(calendar_date), count(*) from core.fct_student_daily_attendance "
        f"where school_id = {school} and school_year = 2022"
    )
    (last_messy, days_messy), (last_clean, days_clean) = q(db, counted)[0], q(clean, counted)[0]
    assert last_messy == through and last_clean > stop and days_messy < days_clean
    assert q(
        db,
        "select count(*) from core.fct_school_data_freshness where is_lagging "
        "and source_table = 'attendance_events' and school_id = ?",
        school,
    ) == [(0,)]  # a past year: this school year's attendance is complete


# ---------------------------------------------------------------- findings 5 and 9


def test_finding_05_a_missing_table_reads_as_unknown_never_zero(
    extract: tuple[Path, dict[str, object]],
) -> None:
    db, _ = extract
    statuses = dict(
        q(
            db,
            "select indicator, min(status) from core.fct_indicator_coverage "
            "where indicator in ('attendance', 'course_performance', 'graduation') "
            "and status <> 'not_applicable' group by indicator",
        )
    )
    assert statuses == {
        "attendance": "absent",
        "course_performance": "absent",
        "graduation": "absent",
    }
    # no course marks: nobody is flagged off track; in the complete years, whether a
    # student is off track is unknown (this year, first-time 9th graders have earned
    # and been expected nothing yet: that much is known)
    assert q(
        db,
        "select count(*) filter (where flag_off_track), "
        "count(flag_off_track) filter (where school_year < 2024), "
        "count(credits_behind) filter (where school_year < 2024) from ews.ews_high",
    ) == [(0, 0, 0)]
    # no attendance: chronic absence unknown, not 0%
    assert q(
        db,
        "select count(is_chronically_absent), count(chronic_absence_rate) "
        "from ews.ews_student_year cross join (select chronic_absence_rate "
        "from ews.ews_school_summary where group_type = 'all' limit 1)",
    ) == [(0, 0)]
    # no exit codes: graduating on time is unknown, never "did not graduate"
    assert q(db, "select count(graduated_on_time) from core.fct_student_outcomes") == [(0,)]
    (words,) = q(
        db,
        "select any_value(unknown_indicators) from ews.ews_student_year "
        "where grade_band = 'high' and school_year = 2023",
    )[0]
    assert "attendance" in words and "course marks and credits" in words
    # this year no term has ended: marks are not due, so only attendance is unknown
    (current,) = q(
        db,
        "select any_value(unknown_indicators) from ews.ews_student_current "
        "where grade_band = 'high'",
    )[0]
    assert "attendance" in current and "course marks" not in current


def test_finding_05_a_success_metric_table_left_out_is_unknown_and_named(
    extract: tuple[Path, dict[str, object]],
) -> None:
    """The success-metric tables go through the same coverage as the others: without
    the screener and FAFSA files their indicators are absent where they apply (not
    applicable where they do not: FAFSA at the schools without grade 12), their values
    and flags null, and the student-years name them; the tables that were sent stay
    present."""
    db, _ = extract
    statuses = dict(
        q(
            db,
            "select source_name, string_agg(distinct status, ',' order by status) "
            "from core.fct_data_coverage where school_year < 2024 and source_name in "
            "('sel_screener_results', 'fafsa_completions', 'climate_survey_responses', "
            "'math_interim_assessments', 'advanced_coursework') group by source_name",
        )
    )
    assert statuses == {
        "sel_screener_results": "absent",
        "fafsa_completions": "absent,not_applicable",
        "climate_survey_responses": "present",
        "math_interim_assessments": "not_applicable,present",
        "advanced_coursework": "not_applicable,present",
    }
    assert q(
        db,
        "select count(sel_composite_t_score), count(flag_sel), count(*) > 0 "
        "from ews.ews_elementary",
    ) == [(0, 0, True)]
    assert q(db, "select count(has_submitted_fafsa) from ews.ews_high") == [(0,)]
    (elementary,) = q(
        db,
        "select any_value(unknown_indicators) from ews.ews_student_year "
        "where grade_band = 'elementary' and school_year = 2023",
    )[0]
    assert "social-emotional screener" in elementary and "FAFSA" not in elementary
    assert "climate survey" not in elementary
    (high,) = q(
        db,
        "select any_value(unknown_indicators) from ews.ews_student_year "
        "where grade_band = 'high' and school_year = 2023",
    )[0]
    assert "social-emotional screener" in high and "FAFSA" in high
    assert q(
        db,
        "select distinct social_emotional_data_status, climate_data_status "
        "from ews.ews_student_year where school_year = 2023",
    ) == [("absent", "present")]


def test_finding_09_a_de_identified_extract_loads_and_builds(
    extract: tuple[Path, dict[str, object]],
) -> None:
    db, _ = extract
    assert q(db, "select sum(rows_rejected) from audit.raw_loads") == [(0,)]
    assert (
        q(
            db,
            "select count(*) filter (where group_value = 'unknown'), count(*) "
            "from ews.ews_school_summary where group_type = 'sex'",
        )[0][0]
        > 0
    )
    assert q(
        db,
        "select count(*) from ews.ews_student_year where is_new_to_district",
    ) == [(0,)]  # entries unknown: never "new to the district" from an empty column


def test_the_summary_and_the_check_name_what_the_data_cannot_support(
    extract: tuple[Path, dict[str, object]],
) -> None:
    db, facts = extract
    text = summary(db)
    assert text.index("what the data supports") < text.index("schema raw")
    assert "attendance: " in text and "unknown in" in text
    report = check_folder(Path(str(facts["folder"])), as_of=AS_OF, project_dir=REPO)
    rendered = report.render()
    assert "attendance_events.csv" in rendered and "(absent)" in rendered
    assert "next_grade_success     no" in rendered
    assert report.strict_load_passes
