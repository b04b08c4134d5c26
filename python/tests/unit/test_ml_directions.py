"""Directions as data and models that respect them (no dbt, no generated district): the
seed covers every feature, sign-constrained fits solve the same problem as scikit-learn
and hold a wrongly signed coefficient at zero, monotone boosted shapes, explanations
against the typical student of each grade, and what the constraints cost."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from k12ews.ml.risk import constraint_cost, features, monotone, reference_words, registry, train
from k12ews.ml.risk.directions import DEFAULT_SEED, Directions, UnknownDirectionError
from k12ews.ml.risk.reference import TypicalStudents

ADVERSE, PROTECTIVE = 1, -1


def _correlated(n: int = 12000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """This year's and last year's absence share one signal (correlation about 0.9):
    an unconstrained L2 fit gives last year's a negative weight."""
    rng = np.random.default_rng(seed)
    common = rng.beta(2, 20, n)
    now = np.clip(common + rng.normal(0, 0.015, n), 0, 1)
    last = np.clip(common + rng.normal(0, 0.015, n), 0, 1)
    gpa = np.clip(rng.normal(2.8, 0.7, n), 0, 4)
    logit = -2.5 + 30 * now - 1.0 * (gpa - 2.8) - 8 * (last - common)  # last - common: noise
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return np.column_stack([now, last, gpa]), y


def test_the_seed_gives_every_model_feature_a_direction_and_a_rationale() -> None:
    seed = pd.read_csv(DEFAULT_SEED)
    assert set(seed["feature"]) == set(features.ACTIONABLE) | set(features.STUDENT_CHARACTERISTICS)
    assert seed["feature"].is_unique
    assert seed["rationale"].str.len().min() > 40
    for row in seed.itertuples():
        assert row.feature_group == features.feature_group(row.feature), row.feature
    d = Directions.load()
    # what the issue names: absence, tardies, failures, incidents, suspensions, moves and
    # retentions never lower the risk; GPA, credits (as credits behind) and tests never raise it
    for f in (
        "absence_rate_to_date",
        "prior_year_absence_rate",
        "tardy_rate_to_date",
        "core_failures_to_date",
        "incidents_to_date",
        "out_of_school_suspensions_to_date",
        "school_changes_this_year_to_date",
        "times_retained",
        "credits_behind_to_date",
    ):
        assert d.sign(f) == ADVERSE, f
    for f in ("gpa_to_date", "prior_year_gpa", "latest_reading_level", "latest_math_level"):
        assert d.sign(f) == PROTECTIVE, f
    # services are not settled, characteristics and the grade are no risk factor: free
    for f in ("service_spells_this_year_to_date", "grade_level", "is_male", "has_iep"):
        assert d.sign(f) == 0, f
    # levers only on features with a direction, and only for what the rest of a year changes
    assert all(d.sign(f) != 0 for f in d.levers)
    assert set(d.levers.values()) == {"attendance", "punctuality", "marks"}
    assert "prior_year_absence_rate" not in d.levers and "times_retained" not in d.levers


def test_an_unknown_direction_is_refused() -> None:
    frame = pd.DataFrame([{"feature": "x", "risk_direction": "sometimes", "recourse_lever": None}])
    with pytest.raises(UnknownDirectionError, match="sometimes"):
        Directions.from_frame(frame)


def test_sign_constrained_solver_is_scikit_learns_problem_when_free() -> None:
    x, y = _correlated(6000)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    w, b, _ = monotone.fit_sign_constrained(z, y, 0.3, [0, 0, 0])
    sk = LogisticRegression(C=0.3, tol=1e-10, max_iter=5000).fit(z, y)
    assert np.abs(w - sk.coef_[0]).max() < 1e-5
    assert abs(b - sk.intercept_[0]) < 1e-5


def test_a_wrongly_signed_coefficient_is_held_at_zero_and_the_pipeline_stays_plain() -> None:
    x, y = _correlated()
    cand = train.Candidate("logistic_l2", {"C": 0.3})
    free = train.fit_candidate(cand, x, y, seed=0)
    assert free.named_steps["model"].coef_[0][1] < 0  # last year's absence, the wrong way
    held = train.fit_candidate(cand, x, y, seed=0, signs=[ADVERSE, ADVERSE, PROTECTIVE])
    coef = held.named_steps["model"].coef_[0]
    assert coef[0] > 0 and coef[1] == 0.0 and coef[2] < 0
    # a plain scikit-learn pipeline: stored and loaded with only trusted types
    back = registry.load_estimator(registry.dump_estimator(held))
    assert np.array_equal(back.decision_function(x[:50]), held.decision_function(x[:50]))


def test_boosted_shapes_are_monotone_in_the_agreed_direction() -> None:
    x, y = _correlated()
    cand = train.CANDIDATES[2]
    held = train.fit_candidate(cand, x, y, seed=0, signs=[ADVERSE, ADVERSE, PROTECTIVE])
    grid = np.linspace(0, 0.4, 200)
    for col, sign in ((0, ADVERSE), (1, ADVERSE), (2, PROTECTIVE)):
        rows = np.tile(np.median(x, axis=0), (len(grid), 1))
        rows[:, col] = grid if col < 2 else np.linspace(0, 4, 200)
        g = held.decision_function(rows)
        assert np.all(sign * np.diff(g) >= -1e-12), col


def test_constraint_cost_names_the_wrong_way_shapes_of_the_free_fit() -> None:
    x, y = _correlated()
    cand = train.Candidate("logistic_l2", {"C": 0.3})
    signs = [ADVERSE, ADVERSE, PROTECTIVE]
    held = train.calibrate(
        cand, train.fit_candidate(cand, x, y, 0, signs), x[:8000], x[8000:], y[8000:], list("abc")
    )
    data = constraint_cost.CostInputs(
        x[:8000],
        y[:8000],
        x[8000:10000],
        y[8000:10000],
        x[10000:],
        y[10000:],
        np.ones_like(x[10000:], dtype=bool),
        list("abc"),
        0,
        False,
    )
    cost = constraint_cost.unconstrained_comparison(held, data, signs)
    assert set(json.loads(str(cost["unconstrained_wrong_way"]))) == {"b"}
    assert constraint_cost.wrong_way(held, x[10000:], np.ones_like(x[10000:], bool), signs) == {}
    assert 0.5 < float(cost["unconstrained_test_roc_auc"]) < 1  # type: ignore[arg-type]


def test_typical_students_per_grade_none_where_most_have_no_value() -> None:
    x = np.array([[0.1, 1.0], [0.3, np.nan], [0.2, np.nan], [0.9, 2.0], [0.7, 4.0]])
    known = ~np.isnan(x)
    grades = np.array([0, 0, 0, 1, 1])
    typical = TypicalStudents.fit(x, known, grades, np.array([np.nan, 2.5]))
    rec = typical.record(np.array([0, 1, 7]))
    assert rec[0, 0] == 0.2 and np.isnan(rec[0, 1])  # 1 of 3 known: no typical value
    assert rec[1].tolist() == [0.8, 3.0]
    assert np.allclose(rec[2], typical.overall)  # a grade never seen: the band's
    assert typical.inputs(np.array([0]))[0, 1] == 2.5  # the model reads the stand-in
    back = TypicalStudents.from_dict(json.loads(json.dumps(typical.to_dict())))
    assert np.array_equal(back.record(grades), typical.record(grades), equal_nan=True)


def test_an_adverse_indicator_above_the_typical_value_never_lowers_the_risk() -> None:
    x, y = _correlated()
    grades = np.arange(len(x)) % 4
    signs = [ADVERSE, ADVERSE, PROTECTIVE]
    typical = TypicalStudents.fit(x, ~np.isnan(x), grades, np.full(3, np.nan))
    for cand in train.CANDIDATES:
        est = train.fit_candidate(cand, x[:8000], y[:8000], 0, signs)
        model = train.calibrate(
            cand, est, x[:8000], x[8000:], y[8000:], list("abc"), typical=typical
        )
        c = model.contributions(x, grades)
        ref = typical.record(grades)
        for col, sign in enumerate(signs):
            above, below = x[:, col] > ref[:, col], x[:, col] < ref[:, col]
            assert np.all(sign * c[above, col] >= 0) and np.all(sign * c[below, col] <= 0)


def test_reference_clauses_say_the_typical_student_in_words() -> None:
    assert reference_words.typical_clause("absence_rate_to_date", 0.05, 9) == (
        "a typical grade-9 student has missed 5% of days so far this year"
    )
    assert reference_words.typical_clause("core_failures_to_date", 0.0, 0) == (
        "a typical kindergartener has no failing core marks so far"
    )
    assert reference_words.typical_clause("gpa_to_date", float("nan"), 9) == (
        "a typical grade-9 student has no letter grades yet at this point"
    )
    assert reference_words.typical_clause("latest_reading_level", 2.5, 4).endswith(
        "level 2.5 (between basic and proficient) on the latest state reading test"
    )
    for name in [*features.ACTIONABLE, *features.STUDENT_CHARACTERISTICS]:
        for v in (0.0, 1.0, float("nan")):
            assert reference_words.typical_clause(name, v, 5).startswith(
                ("a typical grade-5 student", "compared with")
            )
