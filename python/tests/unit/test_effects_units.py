"""Unit tests of the intervention-effect estimator on small simulated frames (no dbt, no
generated district): a confounded service whose true effect on the treated is known
(the naive comparison is biased, the cross-fitted AIPW interval covers the truth),
clustering by student, propensity clipping, small and empty cells, the sentences, and
the pieces (the penalized logistic solver against scikit-learn, B-splines, balance
sums, folds, the control sample, which outcomes count as known)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import BSpline
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression

from k12ews.ml.effects import aipw, balance, design, estimates, logistic, settings, tables, words

SERVICE = "TUTOR"
OUTCOME = "next_grade_success"


def simulate(
    n_students: int = 2500,
    years: tuple[int, ...] = (2018, 2019, 2020),
    effect_log_odds: float = -0.4,
    seed: int = 11,
    student_sd: float = 0.8,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Quarter-1 tutoring decisions in grades 3-5 of a made-up district: students who
    miss school and fail courses are tutored more often and have the adverse outcome
    more often (confounding); tutoring lowers the log-odds of the adverse outcome by
    ``-effect_log_odds``; a student effect ties a student's years together. Returns the
    risk sets, the labels and the true effect on the treated (the mean over the treated
    of p1 - p0, their adverse probabilities with and without)."""
    rng = np.random.default_rng(seed)
    student = np.repeat(np.arange(n_students), len(years))
    year = np.tile(np.array(years), n_students)
    n = len(student)
    frailty = rng.normal(0, student_sd, n_students)[student]
    absence = np.clip(rng.gamma(2.0, 0.03, n) + 0.02 * np.maximum(frailty, 0), 0, 0.9)
    failures = rng.poisson(np.exp(-1.2 + 0.8 * frailty.clip(-2, 2)))
    school = rng.integers(0, 4, n)
    capacity = rng.normal(0, 0.4, (4, len(years) + 1))[school, year - years[0]]
    excess = np.maximum(absence - 0.05, 0)
    p_treat = expit(-3.0 + 20 * excess + 0.8 * failures.clip(0, 3) + capacity)
    treated = rng.random(n) < p_treat
    base = -1.5 + 9 * absence + 0.7 * failures.clip(0, 4) + 0.6 * frailty
    p0 = expit(base)
    p1 = expit(base + effect_log_odds)
    y = np.where(treated, rng.random(n) < p1, rng.random(n) < p0)
    truth = float(np.mean((p1 - p0)[treated]))
    grade = rng.integers(3, 6, n)
    frame = pd.DataFrame(
        {
            "student_id": [f"S{s:05d}" for s in student],
            "school_year": year,
            "start_quarter": 1,
            "service": SERVICE,
            "school_id": 100 + school,
            "grade_level": grade,
            "grade_band": "elementary",
            "is_treated": treated,
            "absence_rate_as_seen": absence,
            "absence_rate_this_year": np.nan,
            "prior_year_absence_rate": absence,
            "gpa_this_year": np.nan,
            "prior_year_gpa": np.clip(3.2 - 0.4 * failures + rng.normal(0, 0.3, n), 0, 4),
            "credits_behind_at_year_start": np.nan,
            "latest_term_core_failures": failures,
            "core_failures_this_year": 0,
            "incidents_this_year": 0,
            "prior_year_incidents": rng.poisson(0.3, n),
            "latest_reading_level": rng.integers(1, 5, n),
            "latest_math_level": rng.integers(1, 5, n),
            "prior_year_core_failures": failures,
            "service_spells_this_year": 0,
            "service_spells_before_this_year": 0,
            "times_retained": 0,
            "is_below_basic_on_latest_test": False,
            "is_new_to_district": False,
            "had_service_last_year": False,
            "is_homeless": rng.random(n) < 0.03,
            "is_gifted": False,
            "is_english_learner": rng.random(n) < 0.1,
            "has_iep": rng.random(n) < 0.12,
        }
    )
    labels = pd.DataFrame(
        {
            "student_id": frame["student_id"],
            "school_year": frame["school_year"],
            "outcome": OUTCOME,
            "is_adverse_outcome": y,
        }
    )
    return frame, labels, truth


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame, float]:
    return simulate()


@pytest.fixture(scope="module")
def table(simulated: tuple[pd.DataFrame, pd.DataFrame, float]) -> pd.DataFrame:
    frame, labels, _ = simulated
    return tables.intervention_effects(
        frame, labels, 2021, settings.EffectSettings(), {SERVICE: "Tutoring"}
    )


def _band_row(table: pd.DataFrame) -> pd.Series:
    rows = table[(table["cell_level"] == "grade_band_quarter") & (table["start_quarter"] == 1)]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------- the estimator


def test_naive_comparison_is_biased_and_aipw_covers_the_truth(
    simulated: tuple[pd.DataFrame, pd.DataFrame, float], table: pd.DataFrame
):
    _, _, truth = simulated
    row = _band_row(table)
    assert truth < -0.05  # tutoring helps
    # the tutored already looked at risk: unadjusted, tutoring looks harmful
    assert row["naive_effect"] > 0.05
    assert row["naive_ci_low"] > truth
    # adjusted: the interval covers the true effect on the treated, and is not wide
    assert row["ci_low"] <= truth <= row["ci_high"], (row["ci_low"], truth, row["ci_high"])
    assert row["ci_high"] - row["ci_low"] < 0.12
    assert abs(row["effect"] - truth) < abs(row["naive_effect"] - truth) / 3
    # the parts add up
    assert row["counterfactual_adverse_rate"] == pytest.approx(
        row["treated_adverse_rate"] - row["effect"]
    )
    assert row["effect_log_odds"] == pytest.approx(
        logit(row["treated_adverse_rate"]) - logit(row["counterfactual_adverse_rate"])
    )
    assert row["n_treated"] + row["n_controls"] == row["n_units"]


def test_weighting_balances_the_confounders(table: pd.DataFrame):
    row = _band_row(table)
    assert row["max_abs_smd_before"] > 0.5
    assert row["max_abs_smd_after"] < 0.1
    assert 0 < row["controls_effective_sample_size"] <= row["n_controls"]


def test_table_grain_rows_and_grade_rows_add_up(table: pd.DataFrame):
    assert table["cell_id"].is_unique
    assert list(table.columns) == tables.OUTPUT_COLUMNS
    assert set(table["cell_level"]) == set(tables.CELL_LEVELS)
    band = _band_row(table)
    grades = table[table["cell_level"] == "grade_quarter"]
    assert sorted(grades["start_grade"]) == [3, 4, 5]
    assert grades["n_treated"].sum() == band["n_treated"]
    # the band's effect is the treated-weighted mean of its grades' effects (same terms)
    weighted = float((grades["effect"] * grades["n_treated"]).sum() / grades["n_treated"].sum())
    assert weighted == pytest.approx(band["effect"], abs=1e-12)
    pooled = table[table["cell_level"] == "grade_band_all_quarters"].iloc[0]
    assert pooled["effect"] == pytest.approx(band["effect"])  # one quarter only
    assert band["school_years"] == "2018-2020"


def test_same_data_same_table_whatever_the_row_order(
    simulated: tuple[pd.DataFrame, pd.DataFrame, float], table: pd.DataFrame
):
    frame, labels, _ = simulated
    again = tables.intervention_effects(
        frame.sample(frac=1.0, random_state=5),
        labels.sample(frac=1.0, random_state=6),
        2021,
        settings.EffectSettings(),
        {SERVICE: "Tutoring"},
    )
    pd.testing.assert_frame_equal(table, again)


def test_interval_is_clustered_by_student():
    # a student's rows are one cluster: copying every row under the same student adds
    # no information (the interval stays), copying it as new students would narrow it
    rng = np.random.default_rng(8)
    n = 2000
    t = rng.random(n) < 0.2
    y = (rng.random(n) < np.where(t, 0.3, 0.4)).astype(float)
    e = np.clip(rng.uniform(0.05, 0.5, n), 0, 0.99)
    m0 = np.full(n, 0.4)
    clipped = np.zeros(n, dtype=bool)
    students = np.arange(n)

    def est(copies: int, same_student: bool) -> estimates.Estimate:
        ids = np.tile(students, copies) if same_student else np.arange(copies * n)
        return estimates.estimate(
            np.tile(t, copies), np.tile(y, copies), np.tile(e, copies), np.tile(m0, copies),
            np.tile(clipped, copies), ids,
        )  # fmt: skip

    once, same, apart = est(1, True), est(2, True), est(2, False)
    assert same.effect == pytest.approx(once.effect) == apart.effect
    assert same.effect_se == pytest.approx(once.effect_se)
    assert same.naive_se == pytest.approx(once.naive_se)
    assert apart.effect_se == pytest.approx(once.effect_se / np.sqrt(2), rel=1e-3)
    assert same.n_students == n and apart.n_students == 2 * n


def test_cluster_se_matches_the_formula():
    terms = np.array([1.0, -1.0, 2.0, -2.0, 0.5, -0.5])
    students = np.array([0, 0, 1, 1, 2, 3])
    # clusters sum to 0, 0, 0.5, -0.5: sqrt(4/3 * 0.5) / 2
    assert estimates._cluster_se(terms, students, 2.0) == pytest.approx(np.sqrt(4 / 3 * 0.5) / 2)
    assert np.isnan(estimates._cluster_se(terms, np.zeros(6, dtype=int), 1.0))


def test_propensities_are_clipped_from_above_and_counted():
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(size=(n, 2))
    x = np.column_stack([x, x[:, 0] > 1.0])
    treated = rng.random(n) < expit(-4 + 12 * x[:, 2])  # near certain above 1, rare below
    y = (rng.random(n) < 0.3).astype(float)
    clipped = settings.EffectSettings(folds=2, propensity_clip=0.05)
    fit = aipw.fit_cell(
        x, np.zeros(n, dtype=np.int64), treated, y, np.arange(n) % 2, rng.random(n), clipped
    )
    assert fit.propensity.max() <= 0.95 + 1e-12
    assert fit.is_clipped.sum() > 100
    assert np.all(fit.propensity[fit.is_clipped] == pytest.approx(0.95))
    # a low propensity is never clipped (the ATT weights need no lower bound)
    assert fit.propensity.min() < 0.05
    est = estimates.estimate(treated, y, fit.propensity, fit.m0, fit.is_clipped, np.arange(n), x)
    assert est.clipped_units == int(fit.is_clipped.sum())


def test_small_and_empty_cells_have_no_estimate_and_say_why(
    simulated: tuple[pd.DataFrame, pd.DataFrame, float],
):
    frame, labels, _ = simulated
    few = frame.copy()
    treated_rows = np.flatnonzero(few["is_treated"].to_numpy())
    few.loc[few.index[treated_rows[20:]], "is_treated"] = False  # 20 treated left
    # and a second quarter in which nobody starts the service
    q2 = frame.assign(start_quarter=2, is_treated=False)
    out = tables.intervention_effects(pd.concat([few, q2]), labels, 2021)
    band = out[out["cell_level"] == "grade_band_quarter"].set_index("start_quarter")
    assert not band.loc[1, "is_estimated"] and not band.loc[2, "is_estimated"]
    assert band.loc[1, "reason"] == "fewer than 30 students started it (20)"
    assert band.loc[2, "reason"] == "fewer than 30 students started it (0)"
    assert band["effect"].isna().all() and band["ci_low"].isna().all()
    assert "no estimate (fewer than 30 students started it (20))" in band.loc[1, "sentence"]
    pooled = out[out["cell_level"] == "grade_band_all_quarters"].iloc[0]
    assert pooled["reason"] == "no quarter was large enough to fit"
    assert out["sentence"].notna().all()
    # too few controls
    all_treated = frame.assign(is_treated=True)
    all_treated.loc[all_treated.index[:10], "is_treated"] = False
    row = _band_row(tables.intervention_effects(all_treated, labels, 2021))
    assert row["reason"] == "fewer than 30 students did not start it (10)"
    # nothing at all: an empty table with the columns
    empty = tables.intervention_effects(frame.head(0), labels.head(0), 2021)
    assert empty.empty and list(empty.columns) == tables.OUTPUT_COLUMNS


def test_a_grade_of_a_fitted_cell_can_be_too_small(
    simulated: tuple[pd.DataFrame, pd.DataFrame, float],
):
    frame, labels, _ = simulated
    f = frame.copy()
    grade5_treated = (f["grade_level"] == 5) & f["is_treated"]
    f.loc[grade5_treated[grade5_treated].index[10:], "is_treated"] = False
    out = tables.intervention_effects(f, labels, 2021)
    grade5 = out[(out["cell_level"] == "grade_quarter") & (out["start_grade"] == 5)].iloc[0]
    assert grade5["reason"] == "fewer than 30 students started it (10)"
    assert _band_row(out)["is_estimated"]


def test_settings_from_json():
    s = settings.EffectSettings.from_json(json.dumps({"folds": 2, "propensity_clip": 0.02}))
    assert s.folds == 2 and s.propensity_clip == 0.02 and s.min_treated == 30
    assert settings.EffectSettings.from_json(None) == settings.EffectSettings()


# ---------------------------------------------------------------- words


def _estimate(**kw: float) -> estimates.Estimate:
    base = dict(
        n_units=1000, n_treated=100, n_controls=900, n_students=800,
        treated_adverse_rate=0.35, control_adverse_rate=0.31,
        counterfactual_adverse_rate=0.41, effect=-0.06, effect_se=0.015,
        ci_low=-0.09, ci_high=-0.03, effect_log_odds=-0.25,
        naive_effect=0.04, naive_se=0.01, naive_ci_low=0.02, naive_ci_high=0.06,
        clipped_units=0, max_abs_smd_before=0.9, max_abs_smd_after=0.04,
        controls_effective_sample_size=300.0,
    )  # fmt: skip
    base.update(kw)
    return estimates.Estimate(**base)  # type: ignore[arg-type]


def test_sentence_in_k12_words():
    s = words.sentence("mentoring", "on_time_graduation", "high", 9, 1, _estimate())
    assert s == (
        "Students who started mentoring in grade 9 at the start of the year: 41% would not "
        "have graduated on time without it, 35% did not; 95% interval 3 to 9 points fewer "
        "(naive comparison with students who did not start it then: 4 points more)."
    )
    s = words.sentence("tutoring", "grade_3_reading", "elementary", None, None, _estimate())
    assert s.startswith("Students who started tutoring in elementary school in any quarter: 41%")
    assert "would not have read proficiently on the grade-3 state test" in s
    k = words.sentence("counselling", "next_grade_success", "elementary", 0, 3, _estimate())
    assert k.startswith("Students who started counselling in kindergarten in the third quarter")
    none = words.sentence("tutoring", OUTCOME, "middle", None, 2, None, "too few")
    assert none == (
        "Students who started tutoring in middle school in the second quarter: "
        "no estimate (too few)."
    )


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-0.09, -0.03, "3 to 9 points fewer"),
        (0.02, 0.05, "2 to 5 points more"),
        (-0.04, 0.012, "4 points fewer to 1 point more"),
        (-0.002, 0.03, "no difference to 3 points more"),
    ],
)
def test_interval_words(low: float, high: float, expected: str):
    assert words.interval_words(low, high) == expected


def test_years_text():
    assert tables.years_text(np.array([2019, 2017, 2018, 2021, 2021])) == "2017-2019, 2021"
    assert tables.years_text(np.array([], dtype=int)) is None


# ---------------------------------------------------------------- the pieces


def test_logistic_matches_scikit_learn_with_groups_and_weights():
    rng = np.random.default_rng(2)
    n, p, groups = 3000, 6, 7
    x = rng.normal(size=(n, p))
    g = rng.integers(0, groups, n)
    eta = -1 + x @ rng.normal(0, 0.7, p) + rng.normal(0, 0.5, groups)[g]
    y = (rng.random(n) < expit(eta)).astype(float)
    w = rng.uniform(0.5, 3.0, n)
    fit = logistic.fit_logistic(x, g, groups + 2, y, c=0.5, sample_weight=w, tol=1e-12)
    assert fit.converged
    onehot = np.eye(groups)[g]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(
            np.hstack([x, onehot]), y, sample_weight=w
        )
    p_sk = sk.predict_proba(np.hstack([x, onehot]))[:, 1]
    assert np.abs(fit.predict_proba(x, g) - p_sk).max() < 1e-6
    assert np.abs(fit.coef - sk.coef_[0, :p]).max() < 1e-4
    # groups absent from the rows keep 0; a warm start reaches the same minimum
    assert fit.group_coef[groups:].tolist() == [0.0, 0.0]
    rows = np.flatnonzero(rng.random(n) < 0.7)
    cold = logistic.fit_logistic(x, g, groups + 2, y, c=0.5, sample_weight=w, rows=rows, tol=1e-12)
    warm = logistic.fit_logistic(
        x, g, groups + 2, y, c=0.5, sample_weight=w, rows=rows, start=fit, tol=1e-12
    )
    assert np.abs(cold.predict_proba(x, g) - warm.predict_proba(x, g)).max() < 1e-8


def test_bspline_basis_matches_scipy_and_spline_basis_handles_missing():
    x = np.r_[np.linspace(0, 1, 101), 0.33]
    knots = np.array([0.0, 0.2, 0.5, 1.0])
    t = np.r_[[0.0] * 3, knots, [1.0] * 3]
    expected = BSpline.design_matrix(x, t, 3).toarray()
    assert np.abs(design.bspline_design(x, knots) - expected).max() < 1e-12
    basis = design.spline_basis(np.r_[x, np.nan], 4)
    assert basis.shape == (len(x) + 1, 5 + 1)  # 6 B-splines less the first, and missing
    assert basis[-1, -1] == 1.0 and basis[:-1, -1].sum() == 0
    assert design.spline_basis(np.full(5, np.nan), 4).shape == (5, 0)
    assert design.spline_basis(np.array([0.0, 1.0] * 5), 4).shape == (10, 1)


def test_balance_stats_add_up_and_match_the_direct_computation():
    rng = np.random.default_rng(1)
    n = 500
    b = np.column_stack([rng.normal(size=n), rng.random(n) < 0.3, np.ones(n)])
    t = rng.random(n) < 0.3
    w = rng.uniform(0.1, 2, int((~t).sum()))
    before, after = balance.max_abs_smd(b, t, w)
    bt, bc = b[t], b[~t]
    sd = np.sqrt((bt.var(axis=0) + bc.var(axis=0)) / 2)[:2]
    direct_before = np.max(np.abs(bt.mean(axis=0) - bc.mean(axis=0))[:2] / sd)
    direct_after = np.max(np.abs(bt.mean(axis=0) - np.average(bc, axis=0, weights=w))[:2] / sd)
    assert before == pytest.approx(direct_before) and after == pytest.approx(direct_after)
    group = rng.integers(0, 3, n)
    parts = balance.grouped_balance_stats(b, t, w, group, 3)
    total = parts[0] + parts[1] + parts[2]
    assert total.max_abs_smd() == pytest.approx((before, after))


def test_student_folds_keep_a_student_together():
    codes = np.repeat(np.arange(300), 4)
    folds = design.student_folds(codes, 3, seed=9)
    assert (folds.reshape(300, 4) == folds.reshape(300, 4)[:, :1]).all()
    assert sorted(np.bincount(folds[::4])) == [100, 100, 100]
    assert (design.student_folds(codes, 3, seed=9) == folds).all()


def test_control_sample_keeps_every_treated_unit_and_weights_controls_up():
    treated = np.r_[np.ones(100, dtype=bool), np.zeros(20_000, dtype=bool)]
    draws = np.random.default_rng(0).random(len(treated))
    used, weight = aipw.control_sample(treated, draws, 10.0, 5000)
    assert used[:100].all()
    rate = 5000 / 20_000
    assert abs(used[100:].sum() - 5000) < 300
    assert np.allclose(weight[100:], 1 / rate) and np.allclose(weight[:100], 1)
    used_all, weight_all = aipw.control_sample(treated[:2000], draws[:2000], 10.0, 5000)
    assert used_all.all() and np.allclose(weight_all, 1)


def test_open_years_outcomes_are_left_out():
    risk = pd.DataFrame(
        {
            "student_id": ["a", "a", "b", "c"],
            "school_year": [2025, 2026, 2026, 2025],
            "grade_level": [4, 5, 1, 1],
        }
    )
    labels = pd.DataFrame(
        {
            "student_id": ["a", "a", "b", "c", "c"],
            "school_year": [2025, 2026, 2026, 2025, 2025],
            "outcome": [OUTCOME, OUTCOME, "grade_3_reading", "grade_3_reading", OUTCOME],
            "is_adverse_outcome": [False, True, True, False, True],
        }
    )
    y = design.outcome_matrix(risk, labels, last_complete_school_year=2026)
    # 2026's next year is not complete: its early labels (a dropout) are left out
    assert y[OUTCOME][0] == 0.0 and np.isnan(y[OUTCOME][1]) and y[OUTCOME][3] == 1.0
    assert np.isnan(y[OUTCOME][2])  # no next-grade label for b
    # grade 1 in 2026 takes the grade-3 test in 2028; grade 1 in 2025 in 2027: both open
    assert np.isnan(y["grade_3_reading"]).all()
    y_all = design.outcome_matrix(risk, labels, last_complete_school_year=2028)
    assert y_all["grade_3_reading"][2:].tolist() == [1.0, 0.0]
    assert np.isnan(y_all["on_time_graduation"]).all()


def test_controls_outside_the_treated_range_weigh_nothing():
    # like an attendance intervention: only students who missed 8% of days start it
    rng = np.random.default_rng(6)
    n = 4000
    absence = rng.gamma(2.0, 0.04, n)
    treated = (absence >= 0.08) & (rng.random(n) < expit(-2 + 10 * (absence - 0.08)))
    outside = aipw.outside_treated_support(
        {"absence_rate_as_seen": absence, "prior_year_gpa": np.full(n, np.nan)}, treated
    )
    assert (outside == (~treated & (absence < absence[treated].min()))).all()
    # a missing value is its own value: controls missing a rate no treated unit misses
    gpa = np.where(treated, 2.5, np.where(rng.random(n) < 0.5, np.nan, 3.0))
    outside_gpa = aipw.outside_treated_support({"prior_year_gpa": gpa}, treated)
    assert (outside_gpa == (~treated & (np.isnan(gpa) | (gpa != 2.5)))).all()
    y = (rng.random(n) < 0.3).astype(float)
    x = design.spline_basis(absence, 4)
    fit = aipw.fit_cell(
        x, np.zeros(n, dtype=np.int64), treated, y, np.arange(n) % 3, rng.random(n),
        settings.EffectSettings(), outside_support=outside,
    )  # fmt: skip
    assert (fit.propensity[outside] == 0).all() and (fit.propensity[~outside] > 0).all()
    assert fit.outside_support is not None and fit.outside_support.sum() == outside.sum()
    # the models were fitted within the support only
    assert fit.fitted_units == int((~outside).sum())


def test_a_start_whose_hessian_is_not_positive_definite_is_not_reused() -> None:
    """A fold with no weight left (no rows, or every probability 0 or 1) leaves a
    Hessian that is not positive definite; the next fit starting from it builds its own
    (a district without attendance records met it: LinAlgError, dbt build exit 1)."""
    import dataclasses

    from k12ews.ml.effects.logistic import fit_logistic

    rng = np.random.default_rng(3)
    design = rng.normal(size=(200, 3))
    groups = np.zeros(200, dtype=int)
    y = (rng.random(200) < 0.3).astype(float)
    fresh = fit_logistic(design, groups, 1, y)
    # what a fold with no weight left hands on: the right shape, no curvature
    spent = dataclasses.replace(fresh, hessian=np.zeros_like(fresh.hessian))
    fit = fit_logistic(design, groups, 1, y, start=spent)
    assert fit.converged and np.allclose(fit.coef, fresh.coef, atol=1e-6)
