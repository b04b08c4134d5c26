"""Accuracy figures for scores and flags (k12ews.ml.risk.metrics)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from k12ews.ml.risk import metrics


def test_flag_accuracy_matches_a_hand_counted_table() -> None:
    # 10 students, 4 with the event; flagged: 3 of the 4 and 2 of the 6 others
    y = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    f = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]
    a = metrics.flag_accuracy(y, f)
    assert (a.true_positives, a.flagged, a.events) == (3, 5, 4)
    assert a.precision == pytest.approx(3 / 5)
    assert a.sensitivity == pytest.approx(3 / 4)
    assert a.specificity == pytest.approx(4 / 6)
    assert a.false_positive_rate == pytest.approx(2 / 6)
    assert a.false_negative_rate == pytest.approx(1 / 4)
    assert a.flag_rate == pytest.approx(0.5)


def test_top_share_flags_count_and_order() -> None:
    p = np.array([0.1, 0.9, 0.5, 0.7, 0.2])
    flags = metrics.top_share_flags(p, 0.4)
    assert flags.tolist() == [False, True, False, True, False]
    assert metrics.top_share_flags(p, 0.01).sum() == 1  # ceil: at least one student
    with pytest.raises(ValueError):
        metrics.top_share_flags(p, 0)


def test_precision_recall_at_top_share() -> None:
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    p = np.linspace(1, 0, 10)  # ranks students in order
    precision, recall = metrics.precision_recall_at_top(y, p, 0.2)
    assert (precision, recall) == (pytest.approx(0.5), pytest.approx(1 / 3))


def test_ranking_metrics_perfect_random_and_degenerate() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(20_000) < 0.2
    assert metrics.roc_auc(y, y.astype(float)) == 1.0
    assert metrics.roc_auc(y, rng.random(len(y))) == pytest.approx(0.5, abs=0.02)
    assert metrics.pr_auc(y, rng.random(len(y))) == pytest.approx(0.2, abs=0.02)
    assert math.isnan(metrics.roc_auc([0, 0, 0], [0.1, 0.2, 0.3]))


def test_calibration_of_a_calibrated_and_a_miscalibrated_score() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0.01, 0.6, 50_000)
    y = rng.random(len(p)) < p
    assert metrics.expected_calibration_error(y, p) < 0.01
    assert metrics.expected_calibration_error(y, np.clip(p * 1.5, 0, 1)) > 0.08
    assert metrics.brier(y, p) < metrics.brier(y, np.full(len(p), 0.9))
    table = metrics.calibration_table(y, p, bins=5)
    assert table["students"].sum() == len(p) and len(table) == 5
    assert (table["mean_predicted"].diff().dropna() > 0).all()


def test_group_metrics_report_each_group_with_counts() -> None:
    frame = pd.DataFrame(
        {
            "y": [1, 0, 1, 0, 1, 0, 0, 0],
            "score": [0.9, 0.2, 0.8, 0.6, 0.3, 0.1, 0.4, 0.2],
            "flag": [1, 0, 1, 1, 0, 0, 0, 0],
            "group": ["a", "a", "a", "a", "b", "b", "b", "b"],
        }
    )
    out = metrics.group_metrics(frame, "y", "score", "flag", "group").set_index("group_value")
    assert out.loc["a", "students"] == 4 and out.loc["b", "events"] == 1
    assert out.loc["a", "false_positive_rate"] == pytest.approx(0.5)
    assert out.loc["b", "false_negative_rate"] == pytest.approx(1.0)
    assert out.loc["a", "roc_auc"] == pytest.approx(1.0)
