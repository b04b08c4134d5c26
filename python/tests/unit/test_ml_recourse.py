"""What would change it (k12ews.ml.risk.recourse) on small frames: the levers' arithmetic, the
search against brute force, and the whole step on a tiny district, where the model's own
score with the suggested changes is in the stated tier (no dbt, no generated district)."""

from __future__ import annotations

import json
from itertools import product

import numpy as np
import pandas as pd
import pytest
from test_ml_typed import FEATURE_TYPES, _elementary, _points

from k12ews.ml import schemas, typed
from k12ews.ml.risk import evaluate, features, recourse, scoring, settings, training
from k12ews.ml.risk.directions import Directions
from k12ews.ml.risk.recourse_levers import MARK_STEP, Lever, Student, levers
from k12ews.ml.risk.recourse_search import search


def _student(**x: float) -> Student:
    def one(v: float) -> np.ndarray:
        return np.array([v], dtype=float)

    return Student(
        x={f: one(x.get(f, np.nan)) for f in recourse.LEVER_FEATURES},
        days_enrolled=one(50),
        days_after_decision=one(100),
        days_left=one(80),
        terms_ended=one(1),
        terms_in_year=one(4),
        gpa_maximum=one(4.0),
    )


def test_attendance_steps_are_days_left_the_student_would_miss() -> None:
    s = _student(
        absence_rate_to_date=0.2,
        unexcused_absence_rate_to_date=0.05,
        latest_quarter_absence_rate=0.3,
        tardy_rate_to_date=0.1,
        gpa_to_date=2.0,
    )
    names = [*recourse.LEVER_FEATURES, "prior_year_absence_rate"]
    open_ = {lv.name: lv for lv in levers(s, Directions.load().levers, names, [1, 1, 1, 1, -1, 1])}
    att = open_["attendance"]
    assert att.steps.tolist() == [16]  # 20% of the 80 days left
    k = np.arange(17)
    assert np.allclose(att.values["absence_rate_to_date"][0], 0.2 - k / 150)
    assert np.allclose(att.values["unexcused_absence_rate_to_date"][0], 0.05 * (1 - k / 30))
    assert np.allclose(att.values["latest_quarter_absence_rate"][0], np.maximum(0.3 - k / 80, 0))
    assert "prior_year_absence_rate" not in att.values  # last year is history
    assert open_["punctuality"].steps.tolist() == [8]
    marks = open_["marks"]
    assert marks.steps.tolist() == [20]  # from 2.0 to 4.0 in steps of 0.1
    assert np.isclose(marks.values["gpa_to_date"][0, 20], 2.0 + 20 * MARK_STEP * 0.75)


def test_no_lever_on_a_value_not_on_record_or_a_feature_without_a_direction() -> None:
    s = _student(absence_rate_to_date=np.nan, tardy_rate_to_date=0.1, gpa_to_date=np.nan)
    names = ["absence_rate_to_date", "tardy_rate_to_date", "gpa_to_date"]
    open_ = {lv.name: lv for lv in levers(s, Directions.load().levers, names, [1, 0, -1])}
    assert open_["attendance"].steps.tolist() == [0]  # missing: not a change to suggest
    assert "punctuality" not in open_  # tardies left free by a district's seed: no lever
    assert open_["marks"].steps.tolist() == [0]


def _brute(ds: list[np.ndarray], steps: list[int], need: float) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    for ks in product(*[range(s + 1) for s in steps]):
        if sum(d[k] for d, k in zip(ds, ks, strict=True)) < need:
            continue
        key = (sum(k > 0 for k in ks), sum(k / max(s, 1) for k, s in zip(ks, steps, strict=True)))
        if best is None or key < best:
            best = key
    return best


def test_the_search_finds_the_fewest_levers_then_the_least_effort() -> None:
    rng = np.random.default_rng(3)
    n, width = 60, 6
    steps = [rng.integers(0, width, n) for _ in range(3)]
    drops_, levers_ = [], []
    for j in range(3):
        d = np.cumsum(np.c_[np.zeros(n), rng.random((n, width - 1))], axis=1)
        d = np.where(np.arange(width)[None, :] <= steps[j][:, None], d, -np.inf)
        drops_.append(d)
        levers_.append(Lever(f"l{j}", steps[j], {}))
    need = rng.random(n) * 5
    plan = search(levers_, drops_, need)
    for i in range(n):
        expected = _brute([d[i] for d in drops_], [int(s[i]) for s in steps], need[i])
        assert plan.found[i] == (expected is not None)
        if expected is None:
            continue
        k = plan.steps[i]
        assert sum(drops_[j][i, k[j]] for j in range(3)) >= need[i]
        effort = sum(k[j] / max(int(steps[j][i]), 1) for j in range(3))
        assert ((k > 0).sum(), pytest.approx(effort)) == (expected[0], expected[1])


def test_with_no_school_day_left_nothing_is_found_and_nothing_fails() -> None:
    # after the year's last school day every lever has no step (width 1): the search
    # finds nothing, where it used to fail on an empty argmax
    n = 4
    levers_ = [Lever(f"l{j}", np.zeros(n, dtype=np.int64), {}) for j in range(3)]
    plan = search(levers_, [np.zeros((n, 1)) for _ in range(3)], np.full(n, 0.5))
    assert not plan.found.any() and (plan.steps == 0).all()
    done = search(levers_[:1], [np.zeros((n, 1))], np.zeros(n))  # already below the tier
    assert done.found.all()


def _tiny_district() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    feats, labels = _elementary(range(2016, 2023), per_year=500, seed=4)
    feats["decision_point"] = "q1"
    feats["decision_point_order"] = 1
    feats["days_enrolled_to_date"] = 45.0
    feats["days_absent_to_date"] = feats["absence_rate_to_date"] * 45.0
    feats["unexcused_absence_rate_to_date"] = feats["absence_rate_to_date"] / 2
    rest = (
        feats[["school_id", "school_year", "decision_point"]]
        .drop_duplicates()
        .assign(
            school_days_after_decision=135,
            school_days_left=117,
            gpa_term_type="quarter",
            gpa_terms_in_year=4,
            gpa_terms_ended=1,
            gpa_scale_maximum=4.0,
        )
    )
    return feats, labels, _points(feats), rest


def test_every_suggestion_recomputed_by_the_model_reaches_the_stated_tier() -> None:
    feats, labels, points, rest = _tiny_district()
    reg = training.train_registry(feats, labels, settings.Settings(), "2022-12-01")
    out = recourse.recourse_current(reg, feats, points, rest, Directions.load().levers)
    assert list(out.columns) == list(schemas.ML_RISK_RECOURSE)
    statuses = set(out["recourse_status"])
    assert {"found", "already_lowest_tier"} <= statuses
    assert statuses <= {"found", "already_lowest_tier", "not_within_this_year"}
    assert (
        out["more_days_attended"].dropna()
        <= out["school_days_left"][out["more_days_attended"].notna()]
    ).all()
    row = reg[reg["model_id"] == out["model_id"].iloc[0]].iloc[0].to_dict()
    loaded = scoring.LoadedModel.from_row(row)
    current = feats[feats["school_year"] == 2022].set_index("student_id").loc[out["student_id"]]
    x = loaded.design(current.reset_index())
    lever_features = set(Directions.load().levers)
    for i, changes in enumerate(out["feature_changes"]):
        if isinstance(changes, str):
            for f, (now, after) in json.loads(changes).items():
                assert f in lever_features
                j = loaded.model.features.index(f)
                assert x[i, j] == now
                x[i, j] = after
    tiers = evaluate.tier_of(loaded.model.predict_proba(x), json.loads(str(row["tier_thresholds"])))
    found = (out["recourse_status"] == "found").to_numpy()
    assert found.sum() > 10
    assert (tiers[found] == out["tier_reached"][found]).all()
    assert (out["tier_reached"][found] == out["target_tier"][found]).all()
    assert out["suggestion"][found].str.contains("not a promise").all()


def test_no_score_no_recourse_typed_and_empty() -> None:
    feats = typed.empty({**FEATURE_TYPES, "days_enrolled_to_date": typed.DOUBLE})
    empty_reg = training.train_registry(
        feats,
        pd.DataFrame(columns=["student_id", "school_year", "outcome", "is_adverse_outcome"]),
        settings.Settings(),
        "2024-12-01",
    )
    out = recourse.recourse_current(
        empty_reg, feats, _points(feats), pd.DataFrame(), Directions.load().levers
    )
    assert out.empty and list(out.columns) == list(schemas.ML_RISK_RECOURSE)
    assert features.ACTIONABLE  # the lever features are model inputs
    assert set(recourse.LEVER_FEATURES) <= set(features.ACTIONABLE)
