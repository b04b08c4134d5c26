"""The chance a school starts a service anyway (k12ews.ml.plan.usual_care), on small frames
with a known rule: it is recovered (with the grade the service would start in), it is
learned only from quarters that began before the planned start, this year's service
counts (which can include the start itself) are not read, and a service or band without
enough starts falls back to its rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from k12ews.ml.plan import usual_care
from k12ews.ml.risk import features

YEARS = range(2018, 2024)
POINTS = ("q1", "q2", "q3", "eoy")


def _true_logit(absence: np.ndarray, failures: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """Schools start it more for students in grade 8, the grade the service starts in."""
    return -3.0 + 15.0 * (absence - 0.08) + 0.8 * failures + 1.2 * (grade == 8)


def _feats(n: int, seed: int = 0) -> pd.DataFrame:
    """ml_features-shaped rows: n students x YEARS x POINTS, most indicators 0."""
    rng = np.random.default_rng(seed)
    rows = len(YEARS) * len(POINTS) * n
    f = pd.DataFrame(
        {
            "student_id": np.tile([f"s{i:05d}" for i in range(n)], len(YEARS) * len(POINTS)),
            "school_year": np.repeat(list(YEARS), len(POINTS) * n),
            "decision_point": np.tile(np.repeat(POINTS, n), len(YEARS)),
        }
    )
    for name in features.ACTIONABLE:
        f[name] = 0.0
    # grades 6-8, a grade up each year (a student's grade at a point, not a rule)
    f["grade_level"] = 6 + (f["student_id"].str[1:].astype(int) + f["school_year"]) % 3
    f["absence_rate_to_date"] = rng.beta(1.2, 12.0, rows)
    f["core_failures_to_date"] = rng.poisson(0.4, rows).astype(float)
    f["gpa_to_date"] = np.where(rng.random(rows) < 0.05, np.nan, rng.uniform(1, 4, rows))
    for name in ("is_late_entry", "is_new_to_district", "is_over_age_for_grade"):
        f[name] = False
    f["credits_earned_to_date"] = 0.0
    f["credits_expected_to_date"] = 0.0
    f["sex"] = "F"
    f["race_ethnicity_reporting_group"] = "White"
    for name in ("is_economically_disadvantaged", "is_english_learner", "has_iep"):
        f[name] = False
    return f


def _risk_sets(feats: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """TUTOR risk sets for every student and quarter after the first year, started by
    the known rule on the previous decision point's indicators."""
    rng = np.random.default_rng(seed)
    students = feats["student_id"].unique()
    grid = pd.DataFrame(
        [(s, y, q) for y in list(YEARS)[1:] for q in (1, 2, 3, 4) for s in students],
        columns=["student_id", "school_year", "start_quarter"],
    )
    prev = usual_care.previous_point(grid["school_year"], grid["start_quarter"])
    seen = grid[["student_id"]].assign(
        school_year=prev["school_year"].to_numpy(), decision_point=prev["decision_point"]
    )
    seen = seen.merge(feats, how="left", on=["student_id", "school_year", "decision_point"])
    # the grade the service starts in: a grade up after the end of a year (quarter 1)
    grade = seen["grade_level"].to_numpy() + (grid["start_quarter"].to_numpy() == 1)
    p = expit(
        _true_logit(
            seen["absence_rate_to_date"].to_numpy(),
            seen["core_failures_to_date"].to_numpy(),
            grade,
        )
    )
    return grid.assign(
        service="TUTOR",
        grade_level=grade,
        grade_band="middle",
        is_treated=rng.random(len(grid)) < p,
        true_chance=p,
    )


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    feats = _feats(1500)
    return feats, _risk_sets(feats)


def _candidates(feats: pd.DataFrame, year: int, point: str, quarter: int) -> pd.DataFrame:
    rows = feats[(feats["school_year"] == year) & (feats["decision_point"] == point)]
    start_year = year + 1 if point == "eoy" else year
    return rows[["student_id", "school_year", "decision_point"]].assign(
        service="TUTOR",
        start_school_year=start_year,
        start_quarter=quarter,
        start_grade=rows["grade_level"].to_numpy() + (point == "eoy"),
        start_grade_band="middle",
    )


def test_the_decision_point_before_a_quarter():
    prev = usual_care.previous_point(pd.Series([2027, 2027, 2027]), pd.Series([1, 2, 4]))
    assert prev["school_year"].tolist() == [2026, 2027, 2027]
    assert prev["decision_point"].tolist() == ["eoy", "q1", "q3"]


def test_the_known_rule_is_recovered(data: tuple[pd.DataFrame, pd.DataFrame]):
    feats, rs = data
    cands = _candidates(feats, 2022, "eoy", 1)
    chance = usual_care.chance_started_anyway(cands, rs.drop(columns="true_chance"), feats)
    seen = cands.merge(feats, on=["student_id", "school_year", "decision_point"])
    truth = expit(
        _true_logit(
            seen["absence_rate_to_date"].to_numpy(),
            seen["core_failures_to_date"].to_numpy(),
            cands["start_grade"].to_numpy(),
        )
    )
    assert np.isfinite(chance).all()
    # read with the grade the service starts in: grade 7 at the end of the year -> 8
    eighth = (cands["start_grade"] == 8).to_numpy()
    assert chance[eighth].mean() > 1.5 * chance[~eighth].mean()
    assert np.abs(chance - truth).mean() < 0.02
    assert np.corrcoef(chance, truth)[0, 1] > 0.95


def test_the_same_risk_sets_in_another_order_give_the_same_chances(
    data: tuple[pd.DataFrame, pd.DataFrame],
):
    """Another build stores ml_service_risk_sets in another physical order; the controls
    a fit samples must not depend on it (the plan and the targeting comparison read it)."""
    feats, rs = data
    rs = rs.drop(columns="true_chance")
    cands = _candidates(feats, 2022, "eoy", 1)
    usual_care_fit = usual_care.chance_started_anyway(cands, rs, feats)
    shuffled = rs.sample(frac=1.0, random_state=7).reset_index(drop=True)
    assert not shuffled["student_id"].equals(rs["student_id"])
    again = usual_care.chance_started_anyway(
        cands, shuffled, feats.sample(frac=1.0, random_state=8)
    )
    np.testing.assert_array_equal(again, usual_care_fit)


def test_only_quarters_that_began_before_the_start_are_learned_from(
    data: tuple[pd.DataFrame, pd.DataFrame],
):
    feats, rs = data
    rs = rs.drop(columns="true_chance")
    cands = _candidates(feats, 2021, "q2", 3)  # starts in quarter 3 of 2021
    before = (rs["school_year"] < 2021) | ((rs["school_year"] == 2021) & (rs["start_quarter"] < 3))
    # the same whatever happened from quarter 3 of 2021 on, even if everyone started then
    later = rs.assign(is_treated=rs["is_treated"] | ~before)
    a = usual_care.chance_started_anyway(cands, rs, feats)
    b = usual_care.chance_started_anyway(cands, later, feats)
    c = usual_care.chance_started_anyway(cands, rs[before], feats)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    # and a start after that does learn from it
    d = usual_care.chance_started_anyway(_candidates(feats, 2022, "eoy", 1), later, feats)
    assert d.mean() > a.mean() + 0.1


def test_this_years_service_counts_are_not_read(data: tuple[pd.DataFrame, pd.DataFrame]):
    """A decision point is dated by the latest calendar: at a school whose quarter began a
    few days earlier, a start on its first day is already in this year's service counts.
    Counts that give every start away must change nothing."""
    feats, rs = data
    rs = rs.drop(columns="true_chance")
    started = rs.loc[rs["is_treated"] & (rs["start_quarter"] > 1)]
    prev = usual_care.previous_point(started["school_year"], started["start_quarter"])
    leak = pd.DataFrame(
        {
            "student_id": started["student_id"].to_numpy(),
            "school_year": prev["school_year"].to_numpy(),
            "decision_point": prev["decision_point"].to_numpy(),
            "leaked": True,
        }
    ).drop_duplicates(["student_id", "school_year", "decision_point"])
    leaky = feats.merge(leak, how="left", on=["student_id", "school_year", "decision_point"])
    given_away = leaky["leaked"].eq(True)
    leaky["service_spells_this_year_to_date"] = given_away.astype(float)
    leaky["highest_mtss_tier_this_year_to_date"] = 2.0 * given_away
    leaky = leaky.drop(columns="leaked")
    cands = _candidates(feats, 2022, "q2", 3)
    a = usual_care.chance_started_anyway(cands, rs, feats)
    b = usual_care.chance_started_anyway(cands, rs, leaky)
    np.testing.assert_array_equal(a, b)
    assert not set(usual_care.LEAKY) & set(usual_care.INDICATORS)


def test_too_few_starts_fall_back_to_the_rate_and_unknown_cells_are_unknown(
    data: tuple[pd.DataFrame, pd.DataFrame],
):
    feats, rs = data
    rs = rs.drop(columns="true_chance")
    rare = rs.assign(service="MENTOR", is_treated=False)
    rare.loc[rare.index[:10], "is_treated"] = True
    cands = _candidates(feats, 2022, "eoy", 1)
    both = pd.concat([cands, cands.assign(service="MENTOR"), cands.assign(service="COUNSEL")])
    chance = usual_care.chance_started_anyway(both, pd.concat([rs, rare]), feats)
    n = len(cands)
    rate = 10 / int((rare["school_year"] <= 2022).sum())  # the quarters before the start
    np.testing.assert_allclose(chance[n : 2 * n], rate)
    assert np.isnan(chance[2 * n :]).all()
    assert np.isfinite(chance[:n]).all()
    assert usual_care.chance_started_anyway(cands.iloc[:0], rs, feats).shape == (0,)
