"""Accuracy figures for risk scores and yes/no flags, in the terms of the EWS literature.

Bowers, Sprott & Taff (2013) place dropout flags in ROC space by precision (share of
flagged students who did not graduate), sensitivity (share of non-graduates flagged)
and specificity; model scores add ranking (ROC AUC, PR AUC), calibration (Brier score,
expected calibration error) and the precision and recall of flagging the top k% -- the
figures a school with room for k% of its students needs. Every function takes the
outcome as 1 = the event the model predicts (e.g. did not graduate on time).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score


def _arrays(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    y_ = np.asarray(y, dtype=float)
    p_ = np.asarray(p, dtype=float)
    if y_.shape != p_.shape:
        raise ValueError(f"outcome and score lengths differ: {y_.shape} vs {p_.shape}")
    keep = ~(np.isnan(y_) | np.isnan(p_))
    return y_[keep], p_[keep]


def roc_auc(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series) -> float:
    """ROC AUC; NaN when only one outcome class is present."""
    y_, p_ = _arrays(y, p)
    if len(np.unique(y_)) < 2:
        return float("nan")
    return float(roc_auc_score(y_, p_))


def pr_auc(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series) -> float:
    """Area under the precision-recall curve (average precision)."""
    y_, p_ = _arrays(y, p)
    if y_.sum() == 0:
        return float("nan")
    return float(average_precision_score(y_, p_))


def brier(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series) -> float:
    """Mean squared difference between probability and outcome."""
    y_, p_ = _arrays(y, p)
    return float(np.mean((p_ - y_) ** 2)) if len(y_) else float("nan")


def calibration_table(
    y: np.ndarray | pd.Series, p: np.ndarray | pd.Series, bins: int = 10
) -> pd.DataFrame:
    """Observed rate against mean predicted probability in equal-count bins of the score."""
    y_, p_ = _arrays(y, p)
    order = np.argsort(p_, kind="stable")
    groups = np.array_split(order, min(bins, max(len(order), 1)))
    rows = [
        {
            "bin": i + 1,
            "students": len(g),
            "mean_predicted": float(p_[g].mean()),
            "observed_rate": float(y_[g].mean()),
        }
        for i, g in enumerate(groups)
        if len(g)
    ]
    return pd.DataFrame(rows, columns=["bin", "students", "mean_predicted", "observed_rate"])


def expected_calibration_error(
    y: np.ndarray | pd.Series, p: np.ndarray | pd.Series, bins: int = 10
) -> float:
    """Count-weighted mean |observed - predicted| over equal-count score bins."""
    t = calibration_table(y, p, bins)
    if t.empty:
        return float("nan")
    gap = (t["observed_rate"] - t["mean_predicted"]).abs()
    return float((gap * t["students"]).sum() / t["students"].sum())


def top_share_flags(p: np.ndarray | pd.Series, share: float) -> np.ndarray:
    """Flag the highest-scored ``share`` of students (ceil), ties broken by order."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    p_ = np.asarray(p, dtype=float)
    k = int(np.ceil(share * len(p_)))
    flags = np.zeros(len(p_), dtype=bool)
    if k:
        flags[np.argsort(-p_, kind="stable")[:k]] = True
    return flags


@dataclass(frozen=True)
class FlagAccuracy:
    """A yes/no flag against the outcome, as Bowers et al. (2013) report flags."""

    students: int
    events: int
    flagged: int
    true_positives: int
    precision: float  # share of flagged students with the event
    sensitivity: float  # share of students with the event who were flagged (recall)
    specificity: float  # share of students without the event not flagged
    false_positive_rate: float
    false_negative_rate: float
    flag_rate: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def flag_accuracy(y: np.ndarray | pd.Series, flag: np.ndarray | pd.Series) -> FlagAccuracy:
    y_, f_ = _arrays(y, np.asarray(flag, dtype=float))
    yb, fb = y_ == 1, f_ == 1
    tp = int((yb & fb).sum())
    fp = int((~yb & fb).sum())
    fn = int((yb & ~fb).sum())
    tn = int((~yb & ~fb).sum())
    n = len(y_)
    return FlagAccuracy(
        students=n,
        events=tp + fn,
        flagged=tp + fp,
        true_positives=tp,
        precision=_ratio(tp, tp + fp),
        sensitivity=_ratio(tp, tp + fn),
        specificity=_ratio(tn, tn + fp),
        false_positive_rate=_ratio(fp, fp + tn),
        false_negative_rate=_ratio(fn, fn + tp),
        flag_rate=_ratio(tp + fp, n),
    )


def precision_recall_at_top(
    y: np.ndarray | pd.Series, p: np.ndarray | pd.Series, share: float
) -> tuple[float, float]:
    """Precision and recall of flagging the top ``share`` of students by score."""
    y_, p_ = _arrays(y, p)
    acc = flag_accuracy(y_, top_share_flags(p_, share))
    return acc.precision, acc.sensitivity


def group_metrics(
    frame: pd.DataFrame, outcome: str, score: str, flag: str, group: str
) -> pd.DataFrame:
    """Per student group: counts, AUC, calibration gap, flag rate, FPR and FNR."""
    rows = []
    for value, g in frame.groupby(group, dropna=False, sort=True):
        acc = flag_accuracy(g[outcome], g[flag])
        rows.append(
            {
                "group_type": group,
                "group_value": "missing" if pd.isna(value) else str(value),
                "students": acc.students,
                "events": acc.events,
                "roc_auc": roc_auc(g[outcome], g[score]),
                "mean_predicted": float(g[score].mean()),
                "observed_rate": float(g[outcome].mean()),
                "calibration_gap": float(g[score].mean() - g[outcome].mean()),
                "flag_rate": acc.flag_rate,
                "false_positive_rate": acc.false_positive_rate,
                "false_negative_rate": acc.false_negative_rate,
            }
        )
    return pd.DataFrame(rows)
