"""Every trained model's out-of-time test cohort, student by student.

``ml_model_evaluation`` keeps only figures; the validation marts and the report need the
scores themselves (ROC curves, calibration curves, flags at other thresholds), so this
module writes, for each trained registry model, the rows of its test school years with
a known outcome, the outcome and the calibrated probability the model gives them.

It adds no logic of its own: the cohort and the scores are those of
``model_evaluation.test_predictions`` (the same function the evaluation uses, so the figures
recomputed from these rows equal the registry's), the tier that of
``evaluate.tier_of`` with the model's own thresholds.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.risk import evaluate, model_evaluation, scoring

COLUMNS = schemas.ML_OUT_OF_TIME_SCORES


def model_cohort(row: dict[str, object], feats: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """One registry model's test cohort: outcome, calibrated probability and tier."""
    test = model_evaluation.test_predictions(row, feats, labels)
    thresholds = json.loads(str(row["tier_thresholds"]))
    p = test["risk_probability"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "student_id": test["student_id"].astype(str).to_numpy(),
            "school_year": test["school_year"].to_numpy(dtype=np.int64),
            "school_id": test["school_id"].to_numpy(),
            "grade_level": test["grade_level"].to_numpy(),
            "is_adverse_outcome": test["y"].to_numpy(dtype=float) == 1.0,
            "risk_probability": p,
            "risk_tier": evaluate.tier_of(p, thresholds),
        }
    )
    for key in (
        "model_id",
        "model_version",
        "grade_band",
        "outcome",
        "decision_point",
        "feature_set",
        "is_scoring_model",
        "test_school_years",
    ):
        out[key] = row[key]
    return out


def out_of_time_scores(
    reg: pd.DataFrame, feats: pd.DataFrame, labels: pd.DataFrame
) -> pd.DataFrame:
    """All trained models' test cohorts, one row per model x student x school year."""
    # One OpenMP thread, as in training (training.train_registry): the boosted models'
    # prediction with spinning threads beside other processes was several times slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        parts = [
            model_cohort(r.to_dict(), feats, labels) for _, r in scoring.trained(reg).iterrows()
        ]
    if not parts:
        return typed.empty(COLUMNS)
    frame = pd.concat(parts, ignore_index=True).sort_values(
        ["model_id", "school_year", "student_id"], kind="stable"
    )
    return typed.coerce(frame, COLUMNS)
