"""Utility: train on the twin, test on the real district (TSTR), beside train on real.

Both registries are trained by the warehouse's own code (``training.train_registry``,
the same settings and feature directions) -- one on the twin's ``ml_features`` and
``ml_labels``, one on the district's -- and every trained model is scored with
``model_evaluation.test_predictions`` on the district's out-of-time test cohort (the
school years the train-on-real model was tested on). ROC AUC is reported for the whole
band and, for the graduation model of the high-school band, for grade 9 alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.ml.risk import metrics, model_evaluation, training
from k12ews.ml.risk.directions import Directions
from k12ews.ml.risk.settings import Settings
from k12ews.ml.vocabulary import GRADUATION

TRAINED = "trained"
COLUMNS = [
    "method",
    "grade_band",
    "outcome",
    "decision_point",
    "scope",
    "test_school_years",
    "test_students",
    "roc_auc_train_real",
    "roc_auc_train_twin",
    "gap",
    "twin_model_status",
]


def train(feats: pd.DataFrame, labels: pd.DataFrame, as_of_date: str) -> pd.DataFrame:
    """The scoring models' registry rows (actionable feature set) trained on these rows."""
    reg = training.train_registry(feats, labels, Settings(), as_of_date, Directions.load())
    return reg[reg["is_scoring_model"]].reset_index(drop=True)


def _auc(test: pd.DataFrame) -> tuple[float, int]:
    y = test["y"].to_numpy(dtype=float)
    if len(np.unique(y)) < 2:
        return float("nan"), len(test)
    return metrics.roc_auc(y, test["risk_probability"].to_numpy(dtype=float)), len(test)


def tstr(
    real_reg: pd.DataFrame,
    twin_reg: pd.DataFrame,
    real_feats: pd.DataFrame,
    real_labels: pd.DataFrame,
    method: str,
) -> pd.DataFrame:
    """One row per band x outcome x decision point: ROC AUC on the district's out-of-time
    cohort of the model trained on the district (TRTR) and on the twin (TSTR)."""
    twin_by_id = {r["model_id"]: r for r in twin_reg.to_dict("records")}
    rows = []
    for real in real_reg.to_dict("records"):
        if real["status"] != TRAINED:
            continue
        twin = twin_by_id.get(real["model_id"])
        scopes = [("band", None)]
        if real["outcome"] == GRADUATION and real["grade_band"] == "high":
            scopes.append(("grade 9", 9))
        real_test = model_evaluation.test_predictions(real, real_feats, real_labels)
        twin_test = None
        if twin is not None and twin["status"] == TRAINED:
            twin_row = {**twin, "test_school_years": real["test_school_years"]}
            twin_test = model_evaluation.test_predictions(twin_row, real_feats, real_labels)
        for scope, grade in scopes:
            rt = real_test if grade is None else real_test[real_test["grade_level"] == grade]
            auc_real, n = _auc(rt)
            auc_twin = float("nan")
            if twin_test is not None:
                tt = twin_test if grade is None else twin_test[twin_test["grade_level"] == grade]
                auc_twin, _ = _auc(tt)
            rows.append(
                {
                    "method": method,
                    "grade_band": real["grade_band"],
                    "outcome": real["outcome"],
                    "decision_point": real["decision_point"],
                    "scope": scope,
                    "test_school_years": real["test_school_years"],
                    "test_students": n,
                    "roc_auc_train_real": auc_real,
                    "roc_auc_train_twin": auc_twin,
                    "gap": auc_real - auc_twin,
                    "twin_model_status": "missing" if twin is None else twin["status"],
                }
            )
    # no row when the district has too few years for any model (a tiny district)
    return pd.DataFrame(rows, columns=COLUMNS)
