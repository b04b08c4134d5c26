"""Promotion by evidence: a challenger replaces the promoted model of its band, outcome
and decision point only when it does at least as well on the newest out-of-time cohort.

The newest out-of-time cohort is the challenger's test cohort (its ``test_school_years``:
the latest school years whose outcomes are complete, held out of its training). Both
models score the same students there, and three figures are set side by side: ROC AUC,
expected calibration error (10 equal-count bins) and the precision of flagging the top
``capacity_share`` of students (the students a school has room to reach first). The
rule (``decide``): the challenger is promoted when its ROC AUC is above the promoted
model's by more than ``min_auc_gain``, its calibration error is at most
``calibration_tolerance`` above the promoted model's, and its precision at the capacity
cut at most ``precision_tolerance`` below it. Anything else, a tie included, keeps the
promoted model. With nothing promoted yet, the challenger is set against the base rate
(``decide_first``): promoted only when it ranks better than chance. Every decision is a
row with both models' figures (``decide_all``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.lifecycle.rules import LifecycleSettings
from k12ews.ml.risk import metrics, model_evaluation

PROMOTED = "promoted"
KEPT = "kept"
NOT_TRAINED = "not trained"
CHANCE = 0.5  # the ROC AUC of the base rate, which ranks no one

STORE_COLUMNS = schemas.ML_MODEL_STORE


@dataclass(frozen=True)
class Figures:
    """One model's figures on one cohort."""

    roc_auc: float
    calibration_error: float
    precision_at_capacity: float
    students: int


def figures(y: np.ndarray, p: np.ndarray, capacity_share: float) -> Figures:
    """ROC AUC, calibration error and precision at the capacity cut of scores ``p``."""
    if len(y) == 0:
        return Figures(math.nan, math.nan, math.nan, 0)
    precision, _ = metrics.precision_recall_at_top(y, p, capacity_share)
    return Figures(
        roc_auc=metrics.roc_auc(y, p),
        calibration_error=metrics.expected_calibration_error(y, p),
        precision_at_capacity=precision,
        students=len(y),
    )


def cohort_figures(
    row: Mapping[str, object],
    feats: pd.DataFrame,
    labels: pd.DataFrame,
    school_years: str,
    capacity_share: float,
) -> Figures:
    """A registry model's figures on the students of ``school_years`` with a known
    outcome (e.g. "2022-2023")."""
    test = model_evaluation.test_predictions(
        {**row, "test_school_years": school_years}, feats, labels
    )
    y = test["y"].to_numpy(dtype=float)
    return figures(y, test["risk_probability"].to_numpy(dtype=float), capacity_share)


def decide(challenger: Figures, promoted: Figures, rules: LifecycleSettings) -> tuple[bool, str]:
    """Whether the challenger replaces the promoted model, and why in words."""
    c, p = challenger, promoted
    if any(math.isnan(v) for v in (c.roc_auc, c.calibration_error, c.precision_at_capacity)):
        return False, "the challenger has no figure on the newest out-of-time cohort"
    failed = []
    if not c.roc_auc > p.roc_auc + rules.min_auc_gain:
        failed.append(f"ROC AUC {c.roc_auc:.3f} not above the promoted model's {p.roc_auc:.3f}")
    if c.calibration_error > p.calibration_error + rules.calibration_tolerance:
        failed.append(
            f"calibration error {c.calibration_error:.3f} more than "
            f"{rules.calibration_tolerance:g} above the promoted model's "
            f"{p.calibration_error:.3f}"
        )
    if c.precision_at_capacity < p.precision_at_capacity - rules.precision_tolerance:
        failed.append(
            f"precision at the capacity cut {c.precision_at_capacity:.3f} more than "
            f"{rules.precision_tolerance:g} below the promoted model's "
            f"{p.precision_at_capacity:.3f}"
        )
    if failed:
        return False, "kept the promoted model: " + "; ".join(failed)
    return True, (
        f"promoted: ROC AUC {c.roc_auc:.3f} against {p.roc_auc:.3f}, calibration error "
        f"{c.calibration_error:.3f} against {p.calibration_error:.3f}, precision at the "
        f"capacity cut {c.precision_at_capacity:.3f} against {p.precision_at_capacity:.3f}"
    )


def decide_first(challenger: Figures, rules: LifecycleSettings) -> tuple[bool, str]:
    """With nothing promoted, the challenger is set against the base rate, which ranks no
    one (ROC AUC 0.5): promoted only when it ranks better than chance by more than
    ``min_auc_gain``. A model that learnt nothing (the base rate itself, or a model
    trained on shuffled labels) is not put in use."""
    auc = challenger.roc_auc
    if not auc > CHANCE + rules.min_auc_gain:
        return False, (
            f"not promoted: no model was promoted for this band, outcome and decision point, "
            f"and ROC AUC {auc:.3f} is not above chance ({CHANCE}): the model ranks no one"
        )
    return True, (
        f"promoted: no model was promoted for this band, outcome and decision point; ROC "
        f"AUC {auc:.3f} above chance ({CHANCE})"
    )


def _decision(
    row: Mapping[str, object],
    promoted: Mapping[str, object] | None,
    data: tuple[pd.DataFrame, pd.DataFrame],
    rules: LifecycleSettings,
) -> dict[str, object]:
    """The promotion columns of one challenger's store row."""
    if row["status"] != "trained":
        return {
            "promotion_decision": NOT_TRAINED,
            "is_promoted": False,
            "promotion_reason": f"not trained: {row['status_reason']}",
        }
    years = str(row["test_school_years"])
    feats, labels = data
    mine = cohort_figures(row, feats, labels, years, rules.capacity_share)
    out: dict[str, object] = {
        "evaluation_school_years": years,
        "evaluation_students": mine.students,
        "challenger_roc_auc": mine.roc_auc,
        "challenger_calibration_error": mine.calibration_error,
        "challenger_precision_at_capacity": mine.precision_at_capacity,
    }
    if promoted is None:
        wins, reason = decide_first(mine, rules)
        return {
            **out,
            "promotion_decision": PROMOTED if wins else KEPT,
            "is_promoted": wins,
            "promotion_reason": reason,
        }
    theirs = cohort_figures(promoted, feats, labels, years, rules.capacity_share)
    out |= {
        "compared_with_version": promoted["model_version"],
        "promoted_roc_auc": theirs.roc_auc,
        "promoted_calibration_error": theirs.calibration_error,
        "promoted_precision_at_capacity": theirs.precision_at_capacity,
    }
    if promoted["model_version"] == row["model_version"]:
        reason = "kept: the challenger is the promoted model itself (the same version)"
        return {**out, "promotion_decision": KEPT, "is_promoted": False, "promotion_reason": reason}
    wins, reason = decide(mine, theirs, rules)
    return {
        **out,
        "promotion_decision": PROMOTED if wins else KEPT,
        "is_promoted": wins,
        "promotion_reason": reason,
    }


def decide_all(
    challengers: pd.DataFrame,
    promoted: pd.DataFrame,
    data: tuple[pd.DataFrame, pd.DataFrame],
    rules: LifecycleSettings,
    trained_at: pd.Timestamp,
) -> pd.DataFrame:
    """The store rows of a training run: every challenger's registry row with its
    promotion decision against the promoted model of the same ``model_id`` (``promoted``:
    registry rows; ``data``: the feature and label tables)."""
    current = {
        str(r["model_id"]): r.to_dict() for _, r in promoted.iterrows() if r["status"] == "trained"
    }
    rows = []
    with threadpool_limits(limits=1, user_api="openmp"):
        for _, r in challengers.iterrows():
            row = r.to_dict()
            decision = _decision(row, current.get(str(row["model_id"])), data, rules)
            rows.append(
                {
                    **row,
                    **decision,
                    "trained_at": trained_at,
                    "ml_mode": rules.mode,
                    "capacity_share": rules.capacity_share,
                }
            )
    if not rows:
        return typed.empty(STORE_COLUMNS)
    return typed.coerce(pd.DataFrame(rows), STORE_COLUMNS)
