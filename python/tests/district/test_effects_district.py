"""The intervention-effect tables on the default district (the shared ``national_built``
build, read-only): the risk sets follow their rule (one row per decision, treatment as
in fct_program_services, nobody twice in a year), the effects table has its grain and an
estimate for every service in every band where it is given, the naive comparison makes
the services given to students who look at risk look harmful or less helpful than the
adjusted estimate, and weighting balances the confounders. The comparison with the
simulated truth is python/tests/truth/test_effects_truth.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from k12ews.ml.effects import tables

AT_RISK_SERVICES = ("TUTOR", "MENTOR", "COUNSEL", "ATTEND", "REMED")


def _df(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def table(national_built: Path) -> pd.DataFrame:
    return _df(national_built, "select * from ml.ml_intervention_effects")


def test_risk_sets_follow_their_rule(national_built: Path):
    counts = _df(
        national_built,
        "select count(*) as n, count(distinct (student_id, school_year, start_quarter, service))"
        " as keys, sum(case when is_treated then 1 else 0 end) as treated"
        " from ml.ml_service_risk_sets",
    ).iloc[0]
    assert counts["n"] == counts["keys"] and counts["n"] > 1_000_000
    # every treated unit is a recorded spell starting that quarter, at most one a year
    checks = _df(
        national_built,
        """
        with treated as (
            select r.student_id, r.school_year, r.service, r.start_quarter,
                r.quarter_start_date,
                count(*) over (partition by r.student_id, r.school_year, r.service)
                    as starts_that_year
            from ml.ml_service_risk_sets as r
            where r.is_treated
        ),

        spells as (
            select student_id, school_year, service, min(start_date) as start_date
            from core.fct_program_services
            group by student_id, school_year, service
        )

        select
            count(*) as treated,
            count(case when s.start_date is null then 1 end) as without_spell,
            max(t.starts_that_year) as most_starts,
            max(abs(s.start_date - t.quarter_start_date)) as most_days_apart
        from treated as t
        left join spells as s
            on t.student_id = s.student_id and t.school_year = s.school_year
            and t.service = s.service
        """,
    ).iloc[0]
    assert checks["without_spell"] == 0 and checks["most_starts"] == 1
    # the spell starts on the quarter's first day at its school (a few days apart when
    # the student moved between schools whose calendars differ)
    assert checks["most_days_apart"] <= 10
    # nearly every recorded start of a student already in the district is a treated unit
    starts = _df(
        national_built,
        "select count(*) as n from core.fct_program_services where school_year > "
        "(select min(school_year) from ml.ml_service_risk_sets)",
    ).iloc[0]["n"]
    assert counts["treated"] > 0.9 * starts
    # gifted services only for gifted students, mentoring only where it is given
    pop = _df(
        national_built,
        "select service, min(grade_level) as lowest, bool_and(is_gifted) as all_gifted "
        "from ml.ml_service_risk_sets group by service",
    ).set_index("service")
    assert pop.loc["GIFTED", "all_gifted"] and not pop.loc["TUTOR", "all_gifted"]
    assert pop.loc["MENTOR", "lowest"] == 4


def test_effects_table_grain_and_columns(table: pd.DataFrame):
    assert list(table.columns) == tables.OUTPUT_COLUMNS
    assert table["cell_id"].is_unique
    keys = table[["service", "outcome", "grade_band", "start_grade", "start_quarter"]]
    assert not keys.astype(str).duplicated().any()
    assert set(table["cell_level"]) == set(tables.CELL_LEVELS)
    est = table[table["is_estimated"]]
    assert est["effect"].notna().all() and est["reason"].isna().all()
    assert (est["ci_low"] < est["effect"]).all() and (est["effect"] < est["ci_high"]).all()
    assert table.loc[~table["is_estimated"], "effect"].isna().all()
    assert table.loc[~table["is_estimated"], "reason"].notna().all()
    assert table["sentence"].notna().all()
    # each estimate's sentence states its own counterfactual and observed rates
    for row in est.head(50).itertuples():
        assert f"{round(row.counterfactual_adverse_rate * 100)}%" in row.sentence
        assert f"{round(row.treated_adverse_rate * 100)}%" in row.sentence


def test_every_service_has_estimates_in_its_bands(national_built: Path, table: pd.DataFrame):
    offered = _df(
        national_built, "select distinct service, grade_band from ml.ml_service_risk_sets"
    )
    pooled = table[
        (table["cell_level"] == "grade_band_all_quarters")
        & (table["outcome"] == "next_grade_success")
    ].set_index(["service", "grade_band"])
    q1 = table[
        (table["cell_level"] == "grade_band_quarter")
        & (table["start_quarter"] == 1)
        & (table["outcome"] == "next_grade_success")
    ].set_index(["service", "grade_band"])
    for row in offered.itertuples():
        key = (row.service, row.grade_band)
        assert pooled.loc[key, "is_estimated"], key
        assert q1.loc[key, "is_estimated"], key
    assert set(offered["service"]) == set(table["service"])
    # graduation in middle and high school, grade-3 reading in K-2, for every service
    # given in those grades
    for outcome, (low, high), bands in (
        ("on_time_graduation", (6, 12), {"middle", "high"}),
        ("grade_3_reading", (0, 2), {"elementary"}),
    ):
        given = _df(
            national_built,
            "select distinct service from ml.ml_service_risk_sets "
            f"where grade_level between {low} and {high}",
        )
        rows = table[(table["outcome"] == outcome) & table["is_estimated"]]
        assert set(rows["grade_band"]) == bands
        assert set(rows["service"]) == set(given["service"])
    # gifted services start only in quarter 1: later quarters have no estimate
    later = table[(table["service"] == "GIFTED") & (table["start_quarter"] > 1)]
    assert not later["is_estimated"].any()


def test_naive_comparison_flatters_less_than_adjustment(table: pd.DataFrame):
    rows = table[
        table["is_estimated"]
        & table["service"].isin(AT_RISK_SERVICES)
        & (table["cell_level"] != "grade_quarter")
    ]
    assert len(rows) > 100
    # unadjusted, services given to students who look at risk look worse than they are
    assert (rows["naive_effect"] > rows["effect"]).mean() >= 0.95
    assert (rows["naive_effect"] > 0).mean() >= 0.9
    q1 = rows[(rows["start_quarter"] == 1) & rows["service"].isin(["TUTOR", "MENTOR", "ATTEND"])]
    assert (q1["naive_effect"] > 0.05).all(), q1[["cell_id", "naive_effect"]]
    # and the adjusted effects are mostly helpful or near zero, not harmful
    assert (rows["effect"] < 0).mean() >= 0.7
    assert np.median(rows["naive_effect"] - rows["effect"]) > 0.05


def test_weighting_balances_the_confounders(table: pd.DataFrame):
    cells = table[table["is_estimated"] & (table["cell_level"] == "grade_band_quarter")]
    assert (cells["max_abs_smd_after"] < cells["max_abs_smd_before"]).mean() >= 0.95
    assert cells["max_abs_smd_after"].median() < 0.1
    big = cells[(cells["n_treated"] >= 500) & (cells["service"] != "GIFTED")]
    assert len(big) > 40
    assert (big["max_abs_smd_after"] < 0.2).all(), big[["cell_id", "max_abs_smd_after"]]
    assert (cells["controls_effective_sample_size"] > 30).all()
    assert (cells["controls_effective_sample_size"] <= cells["n_controls"]).all()
    assert (cells["clipped_units"] <= cells["n_units"]).all()
