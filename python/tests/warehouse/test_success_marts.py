"""The success-metric marts (#14) on the 1,300-student district.

- Built with every success table: the post-secondary mart says for each graduate what the
  generator drew (``truth.outcome_draws``, event ``college_enrollment``), student by
  student, so the class rates are the truth's; the achievement gaps, recomputed here in
  pandas from ``fct_assessments`` and ``ews_student_year``, match the mart, and a cell is
  suppressed exactly when one of its groups has fewer than ``min_cell_size`` students.
- Rebuilt with the eight success tables emptied (an export without them): every new
  indicator and flag of the band marts, ``ews_student_current`` and the readiness mart
  is null, never 0 or false; the post-secondary mart knows nothing; and the early-warning
  flags (``flag_count``) are exactly those of the whole build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_runner import run_dbt

from k12ews import warehouse
from k12ews.contract_success import SUCCESS_TABLES
from k12ews.synth.config import District

MARTS = (
    "+ews_student_current",
    "+ews_college_career_readiness",
    "+ews_achievement_gaps",
    "+fct_postsecondary_enrollment",
    "+dim_school",
)
MIN_CELL = 10  # dbt_project.yml var min_cell_size

NEW_COLUMNS = {
    "ews_elementary": (
        "sel_composite_t_score",
        "is_sel_need_for_instruction",
        "climate_belonging",
        "is_climate_unfavourable",
        "math_interim_percentile",
        "math_interim_growth_percentile",
        "is_math_growth_low",
        "flag_sel",
        "flag_climate",
        "flag_math_growth",
    ),
    "ews_middle": (
        "sel_composite_t_score",
        "climate_adult_support",
        "math_interim_percentile",
        "is_math_interim_low",
        "flag_sel",
        "flag_climate",
        "flag_math_growth",
    ),
    "ews_high": (
        "sel_composite_t_score",
        "climate_peer_relationships",
        "advanced_courses_this_year",
        "advanced_courses_to_date",
        "has_earned_college_credit",
        "meets_both_exam_benchmarks",
        "is_cte_concentrator",
        "has_submitted_fafsa",
        "has_completed_fafsa",
        "flag_sel",
        "flag_climate",
    ),
    "ews_student_current": (
        "sel_composite_t_score",
        "climate_belonging",
        "math_interim_percentile",
        "flag_sel",
        "flag_climate",
        "flag_math_growth",
        "success_flag_reasons",
    ),
    "ews_college_career_readiness": (
        "advanced_courses_to_date",
        "has_earned_college_credit",
        "meets_both_exam_benchmarks",
        "is_cte_concentrator",
        "has_completed_fafsa",
    ),
}


@pytest.fixture(scope="module")
def built(small_district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small district with the SQL layer the new marts read, built with their tests."""
    work = tmp_path_factory.mktemp("success")
    db = work / "full.duckdb"
    with warehouse.connect(db) as con:
        warehouse.write_raw_and_truth(con, small_district.raw, small_district.truth)
    proc = run_dbt(
        db,
        work,
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--indirect-selection",
        "cautious",
        "-s",
        *MARTS,
    )
    assert proc.returncode == 0, proc.stdout[-6000:]
    return db


@pytest.fixture(scope="module")
def without_success(built: Path) -> Path:
    """A copy of ``built`` with the eight success tables emptied, rebuilt from them."""
    work = built.parent / "without"
    work.mkdir()
    db = work / "without.duckdb"
    shutil.copy(built, db)
    with duckdb.connect(str(db)) as con:
        for table in SUCCESS_TABLES:
            con.execute(f"delete from raw.{table.name}")
    select = [f"source:sis.{t.name}+" for t in SUCCESS_TABLES]
    proc = run_dbt(
        db,
        work,
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--indirect-selection",
        "cautious",
        "-s",
        *select,
        "--exclude",
        "path:models/ml",
        "path:models/marts/actions",
        "path:models/validation",
    )
    assert proc.returncode == 0, proc.stdout[-6000:]
    return db


def _df(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).df()


# unknown in the current year on the as-of date (1 December): the survey is given in
# February, and growth since fall needs the winter test
NOT_YET_GIVEN = {
    ("ews_student_current", "climate_belonging"),
    ("ews_student_current", "flag_climate"),
    ("ews_student_current", "flag_math_growth"),
}


def test_new_indicators_are_known_in_the_whole_build(built: Path) -> None:
    for mart, columns in NEW_COLUMNS.items():
        df = _df(built, f"select * from ews.{mart}")
        for column in columns:
            if (mart, column) in NOT_YET_GIVEN:
                assert df[column].isna().all(), f"{mart}.{column} known before it is given"
            else:
                assert df[column].notna().any(), f"{mart}.{column} is never known"


def test_without_the_tables_every_new_indicator_is_null(built: Path, without_success: Path) -> None:
    for mart, columns in NEW_COLUMNS.items():
        df = _df(without_success, f"select * from ews.{mart}")
        assert len(df) > 0
        for column in columns:
            assert df[column].isna().all(), f"{mart}.{column} is known without its table"
    counts = _df(
        without_success,
        "select success_flag_count, count(*) as n from ews.ews_student_current group by 1",
    )
    assert counts["success_flag_count"].isna().all()  # nothing known: unknown, not 0
    status = _df(without_success, "select readiness_status from ews.ews_college_career_readiness")
    assert "not_yet_ready" not in set(status["readiness_status"])  # never "not ready" on unknowns
    ps = _df(without_success, "select * from core.fct_postsecondary_enrollment")
    assert len(ps) > 0
    assert not ps["is_fall_enrollment_known"].any()
    assert ps["enrolled_fall_after_graduation"].isna().all()
    assert ps["persisted_to_second_year"].isna().all()


def test_early_warning_flags_do_not_change_without_the_tables(
    built: Path, without_success: Path
) -> None:
    sql = "select student_id, flag_count, flag_reasons from ews.ews_student_current order by 1"
    pd.testing.assert_frame_equal(_df(built, sql), _df(without_success, sql))


def test_postsecondary_enrollment_is_the_generators_truth(built: Path) -> None:
    df = _df(
        built,
        """
        select p.graduation_school_year, p.enrolled_fall_after_graduation, t.occurred
        from core.fct_postsecondary_enrollment as p
        inner join truth.outcome_draws as t
            on p.student_id = t.student_id and t.event = 'college_enrollment'
        """,
    )
    graduates = _df(
        built,
        "select count(*) as n from core.fct_postsecondary_enrollment"
        " where is_fall_enrollment_known",
    )["n"][0]
    assert len(df) == graduates > 100
    assert (df["enrolled_fall_after_graduation"] == df["occurred"]).all()
    rates = df.groupby("graduation_school_year")[["enrolled_fall_after_graduation", "occurred"]]
    rates = rates.mean().astype(float)
    np.testing.assert_allclose(rates["enrolled_fall_after_graduation"], rates["occurred"])


def _gaps_recomputed(db: Path) -> pd.DataFrame:
    scores = _df(
        db,
        """
        select a.student_id, a.school_id, a.school_year, a.tested_grade_level as grade_level,
            a.subject_area, avg(a.scale_score) as score
        from core.fct_assessments as a
        where a.scale_score is not null and a.tested_grade_level between 3 and 8
        group by all
        """,
    )
    years = _df(
        db,
        "select student_id, school_year, is_economically_disadvantaged as frl,"
        " is_english_learner as el, has_iep as iep,"
        " race_ethnicity_reporting_group as race from ews.ews_student_year",
    )
    largest = years.groupby("race")["student_id"].nunique().sort_values(ascending=False).index[0]
    df = scores.merge(years, on=["student_id", "school_year"])
    # the mart rounds the SD to 6 decimals (same value in every build)
    sd = scores.groupby(["school_year", "grade_level", "subject_area"])["score"].std().round(6)
    keys = ["school_id", "school_year", "grade_level", "subject_area"]
    comparisons = [
        ("economically_disadvantaged", "frl", False, True),
        ("english_learner", "el", False, True),
        ("disability", "iep", False, True),
    ] + [
        ("race_ethnicity", "race", largest, race)
        for race in sorted(years["race"].dropna().unique())
        if race != largest
    ]
    rows = []
    for group_type, column, reference, focal in comparisons:
        for key, cell in df.groupby(keys):
            f = cell.loc[cell[column] == focal, "score"]
            r = cell.loc[cell[column] == reference, "score"]
            if len(f) == 0:
                continue
            suppressed = len(f) < MIN_CELL or len(r) < MIN_CELL
            gap = np.nan if suppressed else (r.mean() - f.mean()) / sd[key[1:]]
            focal_name = focal if group_type == "race_ethnicity" else f"{group_type}:yes"
            rows.append((*key, group_type, focal_name, len(f), len(r), suppressed, gap))
    return pd.DataFrame(
        rows, columns=[*keys, "group_type", "focal", "nf", "nr", "suppressed", "gap"]
    )


def test_gaps_match_a_recomputation_and_small_cells_are_suppressed(built: Path) -> None:
    mine = _gaps_recomputed(built)
    mart = _df(built, "select * from ews.ews_achievement_gaps")
    race = mart["group_type"] == "race_ethnicity"
    mart["focal"] = mart["focal_group"].where(race, mart["group_type"] + ":yes")
    keys = ["school_id", "school_year", "grade_level", "subject_area", "group_type", "focal"]
    both = mine.merge(mart, on=keys, how="outer", indicator=True)
    assert (both["_merge"] == "both").all()
    assert both["suppressed"].any() and not both["suppressed"].all()
    assert (both["suppressed"] == both["is_suppressed"]).all()
    small = both[both["is_suppressed"]]
    assert small[["focal_students", "reference_students", "gap_in_sd"]].isna().all().all()
    assert (np.minimum(small["nf"], small["nr"]) < MIN_CELL).all()
    shown = both[~both["is_suppressed"]]
    assert (np.minimum(shown["focal_students"], shown["reference_students"]) >= MIN_CELL).all()
    np.testing.assert_allclose(shown["gap_in_sd"], shown["gap"], rtol=1e-9)
    assert shown["focal_students"].tolist() == shown["nf"].tolist()
