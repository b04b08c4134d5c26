"""Unit tests of the risk-model package: exact explanations, splits, registry safety,
tiers, baselines and sentences (no dbt, no generated district)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from k12ews.ml.risk import evaluate, features, registry, sentences, splits, train
from k12ews.ml.risk.explain import AdditiveExplainer, NotAdditiveError
from k12ews.ml.risk.reference import TypicalStudents


def _grades(n: int) -> np.ndarray:
    return np.arange(n) % 3  # three grades, each with its own typical student


def _data(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    x[rng.random(n) < 0.1, 2] = np.nan  # missing values
    logit = 1.2 * x[:, 0] - 0.8 * np.nan_to_num(x[:, 2]) + 0.6 * (x[:, 1] > 0.5) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return x, y


@pytest.mark.parametrize("candidate", train.CANDIDATES, ids=lambda c: f"{c.name}-{c.params}")
def test_contributions_plus_base_reproduce_the_calibrated_output(candidate: train.Candidate):
    x, y = _data()
    est = train.fit_candidate(candidate, x[:2000], y[:2000], seed=1)
    grades = _grades(len(x))
    typical = TypicalStudents.fit(x, ~np.isnan(x), grades, np.full(4, np.nan))
    model = train.calibrate(
        candidate, est, x[:2000], x[2000:2500], y[2000:2500], list("abcd"), typical=typical
    )
    contrib = model.contributions(x[2500:], grades[2500:])
    total = model.base_log_odds(grades[2500:]) + contrib.sum(axis=1)
    assert np.abs(total - model.calibrated_logit(x[2500:])).max() < 1e-6
    # measured against the typical student of the grade: that student gets zero from
    # every feature, and the base value is that student's own calibrated log-odds
    ref = typical.inputs(grades[:3])
    assert np.abs(model.contributions(ref, grades[:3])).max() < 1e-12
    assert np.allclose(model.base_log_odds(grades[:3]), model.calibrated_logit(ref))
    # the feature that drives the outcome moves scores most
    assert np.argmax(np.abs(contrib).mean(axis=0)) == 0


def test_a_pooled_level_keeps_the_validation_slope_and_the_explanations_exact():
    x, y = _data()
    rng = np.random.default_rng(7)
    # the validation cohort is an unusual year: its outcome is more common than the model's
    shifted = 1.2 * x[:, 0] - 0.8 * np.nan_to_num(x[:, 2]) + 0.6 * (x[:, 1] > 0.5) - 0.4
    y_va = (rng.random(len(x)) < 1 / (1 + np.exp(-shifted)))[2000:2500].astype(float)
    cand = train.CANDIDATES[0]
    est = train.fit_candidate(cand, x[:2000], y[:2000], seed=0)
    args = (cand, est, x[:2000], x[2000:2500], y_va, list("abcd"))
    plain = train.calibrate(*args)
    pooled = train.calibrate(*args, y_train=y[:2000])
    assert pooled.platt_slope == plain.platt_slope
    # the level is the pooled one: as many events predicted as the two cohorts had
    learn = np.vstack([x[:2000], x[2000:2500]])
    events = y[:2000].sum() + y_va.sum()
    assert abs(pooled.predict_proba(learn).sum() - events) < 1e-6
    # between the training cohort's level (about 0) and the unusual validation cohort's
    assert 0 < pooled.platt_intercept < plain.platt_intercept
    band = np.full(500, -1)
    total = pooled.base_log_odds(band) + pooled.contributions(x[2500:]).sum(axis=1)
    assert np.abs(total - pooled.calibrated_logit(x[2500:])).max() < 1e-6
    chosen = train.choose_and_calibrate(
        x[:2000], y[:2000], x[2000:2500], y_va, list("abcd"), seed=0, pooled_level=True
    )
    assert abs(chosen.predict_proba(learn).sum() - events) < 1e-6
    with pytest.raises(ValueError, match="both outcomes"):
        train.pooled_level(np.zeros(10), np.zeros(10), 1.0)


def test_a_model_with_interactions_is_refused_not_explained_approximately():
    x, y = _data()
    est = HistGradientBoostingClassifier(max_iter=50, random_state=0).fit(x, y)
    logit = train.logit_function(est)
    explainer = AdditiveExplainer.fit(x, _grades(len(x)))
    with pytest.raises(NotAdditiveError):
        explainer.contributions(logit, x[:500], _grades(500))


def test_explainer_round_trips_through_json():
    x, y = _data()
    cand = train.CANDIDATES[0]
    est = train.fit_candidate(cand, x, y, seed=0)
    typical = TypicalStudents.fit(x, ~np.isnan(x), _grades(len(x)), np.full(4, np.nan))
    model = train.calibrate(cand, est, x, x, y, list("abcd"), typical=typical)
    back = AdditiveExplainer.from_dict(json.loads(json.dumps(model.explainer.to_dict())))
    logit = train.logit_function(est)
    g = _grades(100)
    assert np.array_equal(back.contributions(logit, x[:100], g), model.contributions(x[:100], g))
    assert np.array_equal(back.base_values(logit, g), model.base_log_odds(g))


def test_registry_round_trip_and_untrusted_types_refused():
    x, y = _data()
    est = train.fit_candidate(train.CANDIDATES[2], x, y, seed=0)
    data = registry.dump_estimator(est)
    back = registry.load_estimator(data)
    assert np.array_equal(back.decision_function(x), est.decision_function(x))
    # a file naming a type outside scikit-learn/NumPy is refused before loading
    tampered = registry.dump_estimator(
        train.Candidate("logistic_l2", {"C": 1.0})
        .build(4, 0)
        .set_params(model__class_weight={"x": pd.Timestamp("2020-01-01")})
    )
    with pytest.raises(registry.UntrustedModelError, match="untrusted"):
        registry.load_estimator(tampered)


def test_model_version_is_the_same_for_the_same_model_saved_twice():
    x, y = _data()
    for cand in (*train.CANDIDATES, train.BASE_RATE):
        a = registry.dump_estimator(train.fit_candidate(cand, x, y, seed=3))
        b = registry.dump_estimator(train.fit_candidate(cand, x, y, seed=3))
        assert a != b  # skops archives carry object ids: the bytes differ ...
        assert registry.model_version(a, {}) == registry.model_version(b, {})  # ... not the model
    other = registry.dump_estimator(train.fit_candidate(train.CANDIDATES[2], x, 1 - y, seed=3))
    gam = registry.dump_estimator(train.fit_candidate(train.CANDIDATES[2], x, y, seed=3))
    assert registry.model_version(other, {}) != registry.model_version(gam, {})


def test_model_version_changes_with_the_settings():
    x, y = _data()
    data = registry.dump_estimator(train.fit_candidate(train.CANDIDATES[0], x, y, seed=0))
    a = registry.model_version(data, {"seed": 1})
    assert a == registry.model_version(data, {"seed": 1})
    assert a != registry.model_version(data, {"seed": 2})


def test_cohort_split_tests_on_latest_complete_years_and_drops_later_partial_ones():
    coverage = pd.Series({2016: 0.3, 2017: 0.9, 2018: 0.92, 2019: 0.9, 2020: 0.91, 2021: 0.4})
    s = splits.cohort_split(coverage)
    assert s.test_years == (2019, 2020)
    assert s.validation_years == (2018,)
    assert s.train_years == (2016, 2017)  # early partial years train; 2021 is never used
    assert s.role(2021) is None


def test_cohort_split_with_few_years_tests_on_one_and_refuses_too_few():
    s = splits.cohort_split(pd.Series({2021: 0.9, 2022: 0.9, 2023: 0.9}))
    assert (s.train_years, s.validation_years, s.test_years) == ((2021,), (2022,), (2023,))
    with pytest.raises(splits.InsufficientHistoryError):
        splits.cohort_split(pd.Series({2022: 0.9, 2023: 0.9}))


def test_default_features_exclude_student_characteristics():
    for outcome, bands in features.OUTCOME_BANDS.items():
        for band in bands:
            names = features.feature_names(band, outcome, include_characteristics=False)
            assert not set(names) & set(features.STUDENT_CHARACTERISTICS)
            assert not {"sex", "race_ethnicity_reporting_group"} & set(names)
            with_chars = features.feature_names(band, outcome, include_characteristics=True)
            assert set(features.STUDENT_CHARACTERISTICS) <= set(with_chars)
    assert "latest_reading_level" not in features.feature_names(
        "elementary", "grade_3_reading", False
    )
    with pytest.raises(ValueError, match="not modelled"):
        features.feature_names("elementary", "on_time_graduation", False)


def test_tiers_and_their_meaning():
    p = np.array([0.05, 0.2, 0.45, 0.9])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    th = {"high": 0.4, "moderate": 0.15}
    assert list(evaluate.tier_of(p, th)) == ["Low", "Moderate", "High", "High"]
    m = evaluate.tier_meanings(y, p, th, "on_time_graduation", "eoy", "2022-2023")
    assert m["High"]["students"] == 2 and m["High"]["adverse_rate"] == 1.0
    assert m["High"]["meaning"] == (
        "Of 2 students scored High at the end of the year in 2022-2023, "
        "100% did not graduate on time."
    )


def _feature_row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "grade_level": 9,
        "decision_point": "eoy",
        "decision_point_order": 4,
        "days_enrolled_to_date": 160.0,
        "days_absent_to_date": 19.0,
        "absence_rate_to_date": 19 / 160,
        "out_of_school_suspensions_to_date": 0,
        "math_failures_to_date": 0,
        "ela_failures_to_date": 0,
        "credits_earned_to_date": 6.0,
        "core_semester_failures_to_date": 0,
        "prior_year_gpa": 3.0,
        "core_marks_to_date": 8,
        "core_failures_to_date": 1,
        "core_failures_described": "Algebra I (semester 1)",
        "school_changes_this_year_to_date": 2,
    }
    row.update(kw)
    return row


def test_baselines_follow_their_published_rules():
    rows = pd.DataFrame(
        [
            _feature_row(),  # 88% attendance, on track
            _feature_row(absence_rate_to_date=0.25, days_absent_to_date=40.0),  # A flag
            _feature_row(credits_earned_to_date=4.5, out_of_school_suspensions_to_date=1),
            _feature_row(grade_level=10, math_failures_to_date=1),
        ]
    )
    b = evaluate.baseline_scores(rows, pipeline_settings())
    assert list(b["balfanz_abc"]) == [0.0, 1.0, 1.0, 1.0]
    assert list(b["chronic_absence"]) == [1.0, 1.0, 1.0, 1.0]
    assert list(b["chicago_on_track"].iloc[:3]) == [0.0, 0.0, 1.0]
    assert np.isnan(b["chicago_on_track"].iloc[3])  # defined for grade 9 only
    assert list(b["prior_year_gpa"]) == [-3.0] * 4


def pipeline_settings() -> dict[str, float]:
    from k12ews.ml.risk.settings import Settings

    return dict(Settings().baseline_settings)


def test_sentences_use_the_students_own_values():
    row = _feature_row()
    assert sentences.describe("absence_rate_to_date", row) == (
        "Missed 19 of 160 school days this year (12%)"
    )
    assert sentences.describe("core_failures_to_date", row) == (
        "Has 1 failing core course mark so far this year: Algebra I (semester 1)"
    )
    assert sentences.describe("school_changes_this_year_to_date", row) == (
        "Changed schools twice this year"
    )
    assert (
        sentences.describe(
            "credits_behind_to_date",
            _feature_row(credits_earned_to_date=10.5, credits_expected_to_date=12.0),
        )
        == "Has earned 10.5 of the 12 credits expected by now (1.5 behind)"
    )
    for name in features.ACTIONABLE:
        assert sentences.describe(name, row)
    for name in features.STUDENT_CHARACTERISTICS:
        assert sentences.describe(
            name, {**row, "sex": "F", "race_ethnicity_reporting_group": "white"}
        )


def test_a_model_that_learned_nothing_ranks_nobody():
    x, _ = _data()
    noise = (np.random.default_rng(5).random(len(x)) < 0.3).astype(float)
    model = train.choose_and_calibrate(
        x[:2000], noise[:2000], x[2000:2500], noise[2000:2500], list("abcd"), seed=0
    )
    assert model.candidate == train.BASE_RATE
    p = model.predict_proba(x[2500:])
    assert np.ptp(p) == 0 and abs(p[0] - noise[:2000].mean()) < 1e-6
    assert np.all(model.contributions(x[2500:]) == 0)
    # with signal, the same rule keeps the model
    x, y = _data()
    kept = train.choose_and_calibrate(
        x[:2000], y[:2000], x[2000:2500], y[2000:2500], list("abcd"), 0
    )
    assert kept.candidate != train.BASE_RATE


def test_the_excused_share_of_absences_is_derived_and_unknown_without_an_absence():
    full = {name: np.nan for name in features.ACTIONABLE if name not in features.DERIVED}
    full.update(
        sex="F",
        race_ethnicity_reporting_group="white",
        is_economically_disadvantaged=False,
        is_english_learner=False,
        has_iep=False,
        credits_earned_to_date=np.nan,
        credits_expected_to_date=np.nan,
    )
    rows = pd.DataFrame(
        [
            {**full, "absence_rate_to_date": 0.10, "unexcused_absence_rate_to_date": 0.025},
            {**full, "absence_rate_to_date": 0.0, "unexcused_absence_rate_to_date": 0.0},
            {**full, "absence_rate_to_date": np.nan, "unexcused_absence_rate_to_date": np.nan},
        ]
    )
    share = features.design_frame(rows)["excused_share_of_absences"].to_numpy()
    assert share[0] == pytest.approx(0.75)
    assert np.isnan(share[1]) and np.isnan(share[2])  # no day missed: no share to speak of
    row = _feature_row(unexcused_absence_rate_to_date=4 / 160)
    assert sentences.describe("excused_share_of_absences", row) == (
        "Of the 19 school days missed this year, 15 were excused (79%)"
    )
    one = _feature_row(days_absent_to_date=2.0, unexcused_absence_rate_to_date=1 / 160)
    assert sentences.describe("excused_share_of_absences", one) == (
        "Of the 2 school days missed this year, 1 was excused (50%)"
    )
    assert sentences.describe("excused_share_of_absences", _feature_row(days_absent_to_date=0))
