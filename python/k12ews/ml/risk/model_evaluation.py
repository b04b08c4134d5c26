"""The registry's figures as tables: feature importance per model
(``feature_importance``), each model's out-of-time cohort with its scores
(``test_predictions``) and the evaluation beside the named baselines and per student
group (``evaluate_registry``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.risk import evaluate
from k12ews.ml.risk.scoring import LoadedModel, trained
from k12ews.ml.risk.settings import Settings, model_rows, with_labels

IMPORTANCE_COLUMNS = schemas.ML_FEATURE_IMPORTANCE
EVALUATION_COLUMNS = schemas.ML_MODEL_EVALUATION


def feature_importance(reg: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in trained(reg).iterrows():
        for item in json.loads(str(r["feature_importance"])):
            rows.append(
                {
                    "model_id": r["model_id"],
                    "model_version": r["model_version"],
                    "grade_band": r["grade_band"],
                    "outcome": r["outcome"],
                    "decision_point": r["decision_point"],
                    "feature_set": r["feature_set"],
                    **item,
                }
            )
    return typed.coerce(pd.DataFrame(rows), IMPORTANCE_COLUMNS)


GROUPS = {
    "race_ethnicity": "race_ethnicity_reporting_group",
    "free_reduced_lunch": "is_economically_disadvantaged",
    "english_learner": "is_english_learner",
    "iep": "has_iep",
    "sex": "sex",
}


def test_predictions(
    row: Mapping[str, object], feats: pd.DataFrame, labels: pd.DataFrame
) -> pd.DataFrame:
    """The out-of-time cohort of a registry model, with outcome and calibrated score (and
    the score of the same candidate fitted without the direction constraints, NaN when
    the registry has none)."""
    loaded = LoadedModel.from_row(row)
    outcome, band, dp = str(row["outcome"]), str(row["grade_band"]), str(row["decision_point"])
    rows = with_labels(model_rows(feats, band, outcome, dp), labels, outcome)
    years = str(row["test_school_years"])
    lo, _, hi = years.partition("-")
    test = rows[rows["y"].notna() & rows["school_year"].between(int(lo), int(hi or lo))]
    test = test.reset_index(drop=True)
    x = loaded.design(test)
    test["risk_probability"] = loaded.model.predict_proba(x)
    free = loaded.unconstrained()
    test["unconstrained_risk_probability"] = (
        free.predict_proba(x) if free is not None else np.full(len(test), np.nan)
    )
    return test


UNCONSTRAINED = "model without direction constraints"


def _unconstrained_row(
    y: np.ndarray, p: np.ndarray, p_free: np.ndarray, thresholds: Mapping[str, float]
) -> dict[str, object]:
    """The unconstrained fit's figures on a slice, with the constrained model's AUC on
    the same students beside them (what the constraints cost)."""
    flag = evaluate.tier_of(p_free, thresholds) == "High"
    return {
        "method": UNCONSTRAINED,
        "group_type": "all students",
        "group_value": "all",
        **evaluate.score_metrics(y, p_free, probability=True),
        **evaluate.flag_metrics(y, flag),
        "model_roc_auc_same_students": evaluate.metrics.roc_auc(y, p),
        "model_precision_at_top_10pct_same_students": (
            evaluate.metrics.precision_recall_at_top(y, p, 0.10)[0]
        ),
    }


def evaluate_registry(
    reg: pd.DataFrame, feats: pd.DataFrame, labels: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Model, baselines and student groups on each model's out-of-time cohort."""
    out = []
    for _, r in trained(reg).iterrows():
        row = r.to_dict()
        test = test_predictions(row, feats, labels)
        thresholds = json.loads(str(row["tier_thresholds"]))
        test["is_flagged"] = (
            evaluate.tier_of(test["risk_probability"].to_numpy(), thresholds) == "High"
        )
        base = {
            "model_id": row["model_id"],
            "model_version": row["model_version"],
            "grade_band": row["grade_band"],
            "outcome": row["outcome"],
            "decision_point": row["decision_point"],
            "feature_set": row["feature_set"],
            "is_scoring_model": row["is_scoring_model"],
            "test_school_years": row["test_school_years"],
        }
        baselines = evaluate.baseline_scores(test, settings.baseline_settings)
        slices = [("all grades", np.ones(len(test), dtype=bool))]
        for g in sorted(test["grade_level"].unique()):
            slices.append((f"grade {int(g)}", (test["grade_level"] == g).to_numpy()))
        for slice_name, m in slices:
            y = test["y"].to_numpy()[m]
            p = test["risk_probability"].to_numpy()[m]
            flag = test["is_flagged"].to_numpy()[m]
            out.append(
                {
                    **base,
                    "evaluation_slice": slice_name,
                    "method": "model",
                    "group_type": "all students",
                    "group_value": "all",
                    **evaluate.score_metrics(y, p, probability=True),
                    **evaluate.flag_metrics(y, flag),
                    "model_roc_auc_same_students": float("nan"),
                    "model_precision_at_top_10pct_same_students": float("nan"),
                }
            )
            p_free = test["unconstrained_risk_probability"].to_numpy()[m]
            if len(p_free) and not np.isnan(p_free).any():
                out.append(
                    {
                        **base,
                        "evaluation_slice": slice_name,
                        **_unconstrained_row(y, p, p_free, thresholds),
                    }
                )
            for name, score in baselines.items():
                s = score.to_numpy()[m]
                d = ~np.isnan(s)
                if d.sum() == 0 or len(np.unique(y[d])) < 2:
                    continue
                flag_b = (
                    s[d] >= 1
                    if name in evaluate.BINARY_BASELINES | {"balfanz_abc"}
                    else (evaluate.metrics.top_share_flags(s[d], 0.10))
                )
                out.append(
                    {
                        **base,
                        "evaluation_slice": slice_name,
                        "method": f"baseline: {name}",
                        "group_type": "all students",
                        "group_value": "all",
                        **evaluate.score_metrics(y[d], s[d], probability=False),
                        **evaluate.flag_metrics(y[d], flag_b),
                        "model_roc_auc_same_students": evaluate.metrics.roc_auc(y[d], p[d]),
                        "model_precision_at_top_10pct_same_students": (
                            evaluate.metrics.precision_recall_at_top(y[d], p[d], 0.10)[0]
                        ),
                    }
                )
        for group_type, col in GROUPS.items():
            values = test[col].astype("string").fillna("missing")
            for value in sorted(values.unique()):
                m = (values == value).to_numpy()
                y = test["y"].to_numpy()[m]
                p = test["risk_probability"].to_numpy()[m]
                out.append(
                    {
                        **base,
                        "evaluation_slice": "all grades",
                        "method": "model",
                        "group_type": group_type,
                        "group_value": str(value),
                        **evaluate.score_metrics(y, p, probability=True),
                        **evaluate.flag_metrics(y, test["is_flagged"].to_numpy()[m]),
                        "model_roc_auc_same_students": float("nan"),
                        "model_precision_at_top_10pct_same_students": float("nan"),
                    }
                )
    return typed.coerce(pd.DataFrame(out), EVALUATION_COLUMNS)
