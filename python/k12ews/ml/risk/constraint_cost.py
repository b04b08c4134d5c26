"""What the direction constraints cost: the chosen candidate refitted without them on the
same cohorts, calibrated by the same rule and tested on the same out-of-time students.

The registry keeps that fit beside the constrained one (``unconstrained_*`` columns, the
estimator too, so ``ml_model_evaluation`` can set the two side by side in every slice),
and names the indicators the unconstrained fit read against the agreed direction
(``unconstrained_wrong_way``): for each constrained column, the largest fall of its
contribution across the test students' known values where the direction says it may only
rise (or the largest rise where it may only fall), in log-odds. Those are the
explanations the constraints take out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from k12ews.ml.risk import evaluate, registry, train

# A shape counts as going the wrong way when it moves against its sign by more than this
# (log-odds): rounding of tree leaves and of the solver stays far below it.
WRONG_WAY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class CostInputs:
    """The cohorts of one model, as the constrained fit saw them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    known_test: np.ndarray
    names: list[str]
    seed: int
    pooled_level: bool


def wrong_way(
    model: train.FittedModel, x: np.ndarray, known: np.ndarray, signs: Sequence[int]
) -> dict[str, float]:
    """Per constrained column, the largest move of its contribution against its sign
    across the rows' known values (columns within the tolerance are left out)."""
    if len(x) == 0:
        return {}
    contrib = model.contributions(x)
    out: dict[str, float] = {}
    for i, sign in enumerate(signs):
        k = known[:, i] & ~np.isnan(x[:, i])
        if sign == 0 or not k.any():
            continue
        order = np.argsort(x[k, i], kind="stable")
        g = sign * contrib[k, i][order]  # should not fall as the value rises
        fall = float(np.max(np.maximum.accumulate(g) - g))
        if fall > WRONG_WAY_TOLERANCE:
            out[model.features[i]] = fall
    return out


def unconstrained_comparison(
    constrained: train.FittedModel, data: CostInputs, signs: Sequence[int]
) -> dict[str, object]:
    """Registry columns of the unconstrained refit (nulls for a base-rate model, which
    has nothing to constrain)."""
    empty: dict[str, object] = {
        "unconstrained_model_bytes": None,
        "unconstrained_platt_slope": None,
        "unconstrained_platt_intercept": None,
        "unconstrained_test_roc_auc": None,
        "unconstrained_test_calibration_error": None,
        "unconstrained_wrong_way": json.dumps({}),
    }
    if constrained.candidate == train.BASE_RATE:
        return empty
    est = train.fit_candidate(constrained.candidate, data.x_train, data.y_train, data.seed)
    free = train.calibrate(
        constrained.candidate,
        est,
        data.x_train,
        data.x_validation,
        data.y_validation,
        data.names,
        y_train=data.y_train if data.pooled_level else None,
    )
    figures = evaluate.score_metrics(data.y_test, free.predict_proba(data.x_test), probability=True)
    return {
        "unconstrained_model_bytes": registry.dump_estimator(free.estimator),
        "unconstrained_platt_slope": free.platt_slope,
        "unconstrained_platt_intercept": free.platt_intercept,
        "unconstrained_test_roc_auc": figures["roc_auc"],
        "unconstrained_test_calibration_error": figures["calibration_error"],
        "unconstrained_wrong_way": json.dumps(
            wrong_way(free, data.x_test, data.known_test, signs), sort_keys=True
        ),
    }
