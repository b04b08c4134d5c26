"""The glass-box model's explanations add up to its output, before and after calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k12ews.ml.risk import metrics
from k12ews.ml.risk.additive import AdditiveRiskModel


def _students(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "absence_rate": rng.beta(1.5, 20, n),
            "core_failures": rng.poisson(0.4, n).astype(float),
            "gpa": np.clip(rng.normal(2.9, 0.7, n), 0, 4),
            "noise": rng.normal(0, 1, n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "gpa"] = np.nan  # some students have no GPA yet
    logit = -2.2 + 12 * frame["absence_rate"] + 0.7 * frame["core_failures"]
    logit = logit - 0.8 * (frame["gpa"].fillna(2.9) - 2.9)
    p = 1 / (1 + np.exp(-logit.to_numpy()))
    y = (rng.random(n) < p).astype(int)
    return frame, y, p


FEATURES = ["absence_rate", "core_failures", "gpa", "noise"]


def test_contributions_plus_base_reproduce_the_output_exactly() -> None:
    frame, y, _ = _students(6_000, 0)
    model = AdditiveRiskModel().fit(frame, y, FEATURES)
    parts = model.contributions(frame)
    assert np.allclose(model.base_value + parts.sum(axis=1), model.predict_logit(frame), atol=1e-9)
    # centred: the typical training student gets zero from every feature
    assert np.allclose(parts.mean(axis=0), 0, atol=1e-9)


def test_calibration_keeps_explanations_exact_and_improves_calibration() -> None:
    train, y_train, _ = _students(6_000, 1)
    hold, y_hold, _ = _students(6_000, 2)
    model = AdditiveRiskModel(l2=0.01).fit(train, y_train, FEATURES)  # strong shrinkage
    before = metrics.expected_calibration_error(y_hold, model.predict_proba(hold))
    model.calibrate(hold, y_hold)
    after = metrics.expected_calibration_error(y_hold, model.predict_proba(hold))
    assert after < before
    parts = model.contributions(hold)
    assert np.allclose(model.base_value + parts.sum(axis=1), model.predict_logit(hold), atol=1e-9)


def test_the_model_recovers_the_signal_and_ignores_noise() -> None:
    train, y_train, _ = _students(20_000, 3)
    test, y_test, p_true = _students(20_000, 4)
    model = AdditiveRiskModel().fit(train, y_train, FEATURES)
    auc_model = metrics.roc_auc(y_test, model.predict_proba(test))
    auc_truth = metrics.roc_auc(y_test, p_true)
    assert auc_model > auc_truth - 0.02
    spread = model.contributions(test).std()
    assert spread["noise"] < 0.1 * spread["absence_rate"]


def test_unknown_feature_is_a_clear_error() -> None:
    frame, y, _ = _students(200, 5)
    with pytest.raises(KeyError, match="attendance"):
        AdditiveRiskModel().fit(frame, y, ["attendance"])
