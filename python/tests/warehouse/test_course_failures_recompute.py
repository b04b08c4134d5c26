"""Core course failures and the Chicago 9th-grade on-track flag, recomputed from raw.

An independent pandas implementation of the rules in
``models/intermediate/academics/_academics__docs.md``, read straight from the raw tables
(``raw.course_grades``, ``raw.courses``, ``raw.calendar_days``, and ``raw.enrollments`` for
the student-year spine and grade levels), must agree row for row with
``int_student_years__course_performance`` built by dbt on a generated district. Only the
as-of date is taken from the warehouse (``int_warehouse__as_of_date``): it is an input here, not the
rule under test. The thresholds are read from the vars in ``dbt_project.yml``.

Rules recomputed:
- a term ends on the school's last instructional day of quarter n (Qn) or semester n (Sn);
  the summer term SU on the school's last instructional day of the year; marks of terms
  ending after the as-of date are not known yet;
- core failures of a student-year: failing marks (F, NP, standards-based 1) in courses the
  SIS marks core, in regular terms (quarters, semesters); null without core marks;
- Chicago on-track: first grade-9 year on record, school year of the school of record
  complete on the as-of date; at least ``on_track_min_credits`` credits earned that year
  (summer included) and at most ``on_track_max_core_semester_failures`` failing core
  semester marks (a summer pass does not reverse them); null otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import yaml
from dbt_runner import run_dbt

REPO = Path(__file__).resolve().parents[3]
MODEL = "int_student_years__course_performance"
FAILING_MARKS = {"F", "NP", "1"}
REGULAR_TERMS = {"Q1", "Q2", "Q3", "Q4", "S1", "S2"}
SEMESTERS = {"S1", "S2"}


def _dbt_build(db: Path, work: Path, select: str) -> subprocess.CompletedProcess[str]:
    # only tests whose parents are all selected: "eager" would also pick tests of
    # models outside the selection that merely relate to the spine
    return run_dbt(db, work, "build", "-s", select, "--indirect-selection", "cautious")


def _vars() -> dict[str, object]:
    with (REPO / "dbt_project.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]


def _term_end_dates(calendar: pd.DataFrame) -> pd.DataFrame:
    """End date of every school x year x term from the schools' calendars."""
    days = calendar[calendar["is_instructional_day"]]
    keys = ["school_id", "school_year"]
    quarters = days.groupby([*keys, "quarter"], as_index=False)["calendar_date"].max()
    quarters["term"] = "Q" + quarters["quarter"].astype(int).astype(str)
    semesters = days.groupby([*keys, "semester"], as_index=False)["calendar_date"].max()
    semesters["term"] = "S" + semesters["semester"].astype(int).astype(str)
    summer = days.groupby(keys, as_index=False)["calendar_date"].max().assign(term="SU")
    ends = pd.concat([quarters, semesters, summer], ignore_index=True)
    return ends[[*keys, "term", "calendar_date"]].rename(columns={"calendar_date": "term_end"})


def _spine(enrollments: pd.DataFrame, calendar: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Student-years enrolled by the as-of date, with the latest spell's grade and school."""
    known = enrollments[enrollments["entry_date"] <= as_of]
    latest = (
        known.sort_values(["student_id", "school_year", "entry_date", "school_id"])
        .groupby(["student_id", "school_year"], as_index=False)
        .last()[["student_id", "school_year", "grade_level", "school_id"]]
    )
    last_day = (
        calendar[calendar["is_instructional_day"]]
        .groupby(["school_id", "school_year"], as_index=False)["calendar_date"]
        .max()
        .rename(columns={"calendar_date": "last_day"})
    )
    spine = latest.merge(last_day, on=["school_id", "school_year"], how="left")
    spine["is_year_complete"] = spine["last_day"].isna() | (spine["last_day"] <= as_of)
    first_ninth = (
        spine[spine["grade_level"] == 9].groupby("student_id")["school_year"].min().rename("first9")
    )
    return spine.merge(first_ninth, on="student_id", how="left")


def _recompute(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    as_of = pd.Timestamp(
        con.execute("select as_of_date from int.int_warehouse__as_of_date").fetchone()[0]
    )
    grades = con.execute("select * from raw.course_grades").df()
    courses = con.execute("select course_code, is_core from raw.courses").df()
    calendar = con.execute("select * from raw.calendar_days").df()
    enrollments = con.execute("select * from raw.enrollments").df()
    for frame, column in ((calendar, "calendar_date"), (enrollments, "entry_date")):
        frame[column] = pd.to_datetime(frame[column])

    marks = grades.merge(
        _term_end_dates(calendar), on=["school_id", "school_year", "term"], how="left"
    )
    marks = marks[marks["term_end"] <= as_of].merge(courses, on="course_code", how="left")
    marks["is_core"] = marks["is_core"].fillna(False).astype(bool)
    marks["is_failing"] = marks["letter_grade"].isin(FAILING_MARKS)
    regular_core = marks[marks["term"].isin(REGULAR_TERMS) & marks["is_core"]]
    keys = ["student_id", "school_year"]
    per_year = (
        regular_core.assign(
            semester_failure=regular_core["is_failing"] & regular_core["term"].isin(SEMESTERS)
        )
        .groupby(keys)
        .agg(
            core_failures=("is_failing", "sum"),
            core_semester_failures=("semester_failure", "sum"),
        )
    )
    credits = marks.groupby(keys)["credits_earned"].sum().rename("credits")

    spine = _spine(enrollments, calendar, as_of)
    out = spine.merge(per_year, on=keys, how="left").merge(credits, on=keys, how="left")
    out["core_failures"] = out["core_failures"].astype("Int64")
    settings = _vars()
    scored = (
        (out["grade_level"] == 9) & (out["school_year"] == out["first9"]) & out["is_year_complete"]
    )
    on_track = (out["credits"].fillna(0) >= float(settings["on_track_min_credits"])) & (
        out["core_semester_failures"].fillna(0)
        <= float(settings["on_track_max_core_semester_failures"])
    )
    out["is_chicago_on_track"] = pd.array(on_track, dtype="boolean")
    out.loc[~scored, "is_chicago_on_track"] = pd.NA
    return out[[*keys, "core_failures", "is_chicago_on_track"]]


def test_core_failures_and_chicago_on_track_match_an_independent_recompute(
    small_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "academics.duckdb"
    shutil.copy(small_db, db)
    proc = _dbt_build(db, tmp_path, f"+{MODEL}")
    assert proc.returncode == 0, proc.stdout[-4000:]

    with duckdb.connect(str(db), read_only=True) as con:
        expected = _recompute(con)
        actual = con.execute(
            f"select student_id, school_year, core_failures, is_chicago_on_track from int.{MODEL}"
        ).df()
    actual["core_failures"] = actual["core_failures"].astype("Int64")
    actual["is_chicago_on_track"] = actual["is_chicago_on_track"].astype("boolean")

    keys = ["student_id", "school_year"]
    both = expected.merge(
        actual, on=keys, how="outer", suffixes=("_pandas", "_dbt"), indicator=True
    )
    unmatched = both[both["_merge"] != "both"]
    assert unmatched.empty, f"student-years in one side only:\n{unmatched.head(10)}"
    assert len(both) == len(expected) == len(actual)

    for column in ("core_failures", "is_chicago_on_track"):
        left, right = both[f"{column}_pandas"], both[f"{column}_dbt"]
        same = (left == right).fillna(False) | (left.isna() & right.isna())
        assert same.all(), f"{column} differs:\n{both.loc[~same, [*keys, left.name, right.name]]}"

    # The comparison is not vacuous: failures, and on- and off-track 9th graders, exist.
    assert (both["core_failures_dbt"] > 0).sum() > 100
    chicago = both["is_chicago_on_track_dbt"].dropna()
    assert chicago.sum() > 50
    assert (~chicago).sum() > 10
