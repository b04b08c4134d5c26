"""ROC curves of the graduation models, and where yes/no flags sit against them.

A yes/no flag is one point in ROC space: its false positive rate (1 - specificity) and
its sensitivity. A model's score is a curve: every threshold gives a point. A model does
better than a flag at the flag's own false positive rate when some threshold flags no
more graduates (false positive rate at most the flag's) and more non-graduates (higher
sensitivity): the point of the curve above the flag, or to its left. The curve used is
the step curve of the thresholds actually reachable, without interpolating between
them, so a model is never credited with a point it cannot give.

Published flags (Bowers, Sprott & Taff 2013) are compared with the graduation model of
the band their grade falls in: K-8 with the middle-school model (the earliest grade a
graduation model is made for is 6), 9-12 with the high-school model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from k12ews.ml.vocabulary import GRADUATION

DECISION_POINT = "eoy"
BANDS = ("middle", "high")
# the grade each band's project flags are measured in (seed validation_project_flags)
FLAG_GRADE = {"middle": 6, "high": 9}


def curve(y: np.ndarray | pd.Series, p: np.ndarray | pd.Series) -> pd.DataFrame:
    """ROC curve of a score: false positive rate, sensitivity and threshold per point."""
    y_ = np.asarray(y, dtype=float)
    p_ = np.asarray(p, dtype=float)
    if len(np.unique(y_)) < 2:
        return pd.DataFrame({"fpr": [0.0], "tpr": [0.0], "threshold": [np.inf]})
    fpr, tpr, thresholds = roc_curve(y_, p_, drop_intermediate=False)
    return pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": thresholds})


def sensitivity_at(roc: pd.DataFrame, fpr: float) -> float:
    """The highest sensitivity of a threshold whose false positive rate is at most ``fpr``."""
    reachable = roc.loc[roc["fpr"] <= fpr + 1e-12, "tpr"]
    return float(reachable.max()) if len(reachable) else 0.0


def band_for_grade(grade: object) -> str:
    """The graduation model a published flag of this grade is compared with."""
    text = str(grade).strip().upper()
    number = 0 if text == "K" else int(float(text))
    return "high" if number >= 9 else "middle"


def model_curves(scores: pd.DataFrame, grade: int | None = None) -> dict[str, pd.DataFrame]:
    """Each band's end-of-year scoring graduation model's ROC curve on its test cohort
    (all its grades, or one grade)."""
    out: dict[str, pd.DataFrame] = {}
    for band in BANDS:
        rows = scores[
            (scores["outcome"] == GRADUATION)
            & (scores["decision_point"] == DECISION_POINT)
            & scores["is_scoring_model"].astype(bool)
            & (scores["grade_band"] == band)
        ]
        if grade is not None:
            rows = rows[rows["grade_level"] == grade]
        if len(rows):
            out[band] = curve(rows["is_adverse_outcome"], rows["risk_probability"])
    return out


LITERATURE_PLACEMENT_COLUMNS = [
    "flag_id",
    "study",
    "dropout_indicator",
    "grade_from",
    "grade_to",
    "flag_kind",
    "band",
    "false_positive_rate",
    "sensitivity",
    "model_sensitivity",
    "is_model_better",
]


def place_literature(literature: pd.DataFrame, curves: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each published flag beside its band's model curve at the flag's false positive rate.

    ``is_model_better``: the model reaches a higher sensitivity at a false positive rate
    no higher than the flag's. Flags whose band has no curve get nulls.
    """
    rows = []
    for r in literature.itertuples(index=False):
        band = band_for_grade(r.grade_from)
        fpr = 1.0 - float(r.specificity)
        roc = curves.get(band)
        model_sens = sensitivity_at(roc, fpr) if roc is not None else float("nan")
        rows.append(
            {
                "flag_id": r.flag_id,
                "study": str(r.study).strip(),
                "dropout_indicator": r.dropout_indicator,
                "grade_from": r.grade_from,
                "grade_to": r.grade_to,
                "flag_kind": getattr(r, "flag_kind", None),
                "band": band,
                "false_positive_rate": fpr,
                "sensitivity": float(r.sensitivity),
                "model_sensitivity": model_sens,
                "is_model_better": (model_sens > float(r.sensitivity)) if roc is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=LITERATURE_PLACEMENT_COLUMNS)


def place_project_flags(flags: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The project's own flags (validation_flag_accuracy, method_type flag) beside the
    band's model curve on the flag's grade of the same cohort (a flag defined on part of
    the grade, such as Chicago on-track for first-time 9th graders, is set beside the
    whole grade's curve)."""
    rows = []
    for band, grade in FLAG_GRADE.items():
        roc = model_curves(scores, grade).get(band)
        mine = flags[
            (flags["method_type"] == "flag") & (flags["evaluation_slice"] == f"grade {grade}")
        ]
        for r in mine.itertuples(index=False):
            if pd.isna(r.sensitivity) or pd.isna(r.false_positive_rate):
                continue
            model_sens = (
                sensitivity_at(roc, float(r.false_positive_rate))
                if roc is not None
                else float("nan")
            )
            rows.append(
                {
                    "method": r.method,
                    "grade_level": grade,
                    "band": band,
                    "false_positive_rate": float(r.false_positive_rate),
                    "sensitivity": float(r.sensitivity),
                    "model_sensitivity": model_sens,
                    "is_model_better": (model_sens > float(r.sensitivity))
                    if roc is not None
                    else None,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "method",
            "grade_level",
            "band",
            "false_positive_rate",
            "sensitivity",
            "model_sensitivity",
            "is_model_better",
        ],
    )
