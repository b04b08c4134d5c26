"""The deployed system's real record: the scores stored in ``ml_risk_score_history`` at
each as-of date, judged against the outcomes that followed.

The out-of-time figures a model was promoted on are an estimate made before it was
used. Once a cohort's outcomes are known, the scores the warehouse actually gave that
cohort (each run's stored probability, by the model version that gave it) are compared
with what happened: ROC AUC, expected calibration error and calibration by decile, the
precision and recall of the top ``capacity_share`` of students, overall and per student
group, beside the out-of-time figures of the same model version (Perdomo et al. 2023
reconstructed this for Wisconsin's DEWS from outside; here it is kept from the start).

A cohort (school year x outcome) is judged only once at least ``min_coverage`` of its
scored students have a known outcome: which outcomes are known early can depend on the
outcome itself (as in ``k12ews.ml.risk.splits``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.risk import metrics
from k12ews.ml.risk.model_evaluation import GROUPS

EVALUATION_COLUMNS = schemas.ML_DEPLOYED_EVALUATION
CALIBRATION_COLUMNS = schemas.ML_DEPLOYED_CALIBRATION
RUN_KEYS = ["as_of_date", "model_id", "model_version", "school_year"]
MIN_COVERAGE = 0.8
ALL = "all students"


def with_outcomes(history: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Each stored score with the outcome that followed (``y``: 1 adverse, 0 not, NaN
    not known)."""
    lab = labels[["student_id", "school_year", "outcome", "is_adverse_outcome"]]
    out = history.merge(lab, how="left", on=["student_id", "school_year", "outcome"])
    out["y"] = out["is_adverse_outcome"].astype("Float64").astype(float)
    return out


def _figures(g: pd.DataFrame, share: float) -> dict[str, object]:
    y = g["y"].to_numpy(dtype=float)
    p = g["risk_probability"].to_numpy(dtype=float)
    precision, recall = metrics.precision_recall_at_top(y, p, share)
    return {
        "students": len(g),
        "events": int(y.sum()),
        "roc_auc": metrics.roc_auc(y, p),
        "calibration_error": metrics.expected_calibration_error(y, p),
        "mean_predicted": float(p.mean()),
        "observed_rate": float(y.mean()),
        "capacity_share": share,
        "precision_at_capacity": precision,
        "recall_at_capacity": recall,
    }


def _groups(run: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    out: list[tuple[str, str, pd.DataFrame]] = [(ALL, ALL, run)]
    for name, column in GROUPS.items():
        if column not in run:
            continue
        for value, g in run.groupby(column, dropna=False, sort=True):
            out.append((name, "missing" if pd.isna(value) else str(value), g))
    return out


def judged_runs(
    scored: pd.DataFrame,
) -> list[tuple[tuple[object, ...], pd.DataFrame, int]]:
    """Each run x model version x school year whose outcomes are known enough: its key,
    its students with a known outcome and the number of students it scored."""
    out = []
    for key, run in scored.groupby(RUN_KEYS, sort=True):
        known = run["y"].notna()
        if float(known.mean()) >= MIN_COVERAGE:
            out.append((key, run[known], len(run)))
    return out


def evaluate(
    history: pd.DataFrame,
    labels: pd.DataFrame,
    student_groups: pd.DataFrame,
    out_of_time: pd.DataFrame,
    capacity_share: float,
) -> pd.DataFrame:
    """One row per run x model version x school year x student group (``student_groups``:
    student_id, school_year and the ``GROUPS`` columns; ``out_of_time``: model_version,
    test_roc_auc, test_calibration_error)."""
    scored = with_outcomes(history, labels)
    scored = scored.merge(student_groups, how="left", on=["student_id", "school_year"])
    oot = out_of_time.drop_duplicates("model_version").set_index("model_version")
    rows = []
    for key, run, scored_students in judged_runs(scored):
        base = dict(zip(RUN_KEYS, key, strict=True))
        first = run.iloc[0]
        base |= {
            "grade_band": first["grade_band"],
            "outcome": first["outcome"],
            "decision_point": first["decision_point"],
            "scored_students": scored_students,
            "outcome_known_share": len(run) / scored_students,
            "out_of_time_roc_auc": oot["test_roc_auc"].get(base["model_version"], np.nan),
            "out_of_time_calibration_error": oot["test_calibration_error"].get(
                base["model_version"], np.nan
            ),
        }
        for group_type, group_value, g in _groups(run):
            rows.append(
                {
                    **base,
                    "group_type": group_type,
                    "group_value": group_value,
                    **_figures(g, capacity_share),
                }
            )
    if not rows:
        return typed.empty(EVALUATION_COLUMNS)
    return typed.coerce(pd.DataFrame(rows), EVALUATION_COLUMNS)


def calibration(history: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Observed rate against mean predicted probability by decile of the stored score,
    per run x model version x school year judged."""
    parts = []
    for key, run, _ in judged_runs(with_outcomes(history, labels)):
        t = metrics.calibration_table(run["y"], run["risk_probability"], bins=10)
        t = t.rename(columns={"bin": "decile"})
        for k, v in zip(RUN_KEYS, key, strict=True):
            t[k] = v
        t["outcome"] = run["outcome"].iloc[0]
        parts.append(t)
    if not parts:
        return typed.empty(CALIBRATION_COLUMNS)
    return typed.coerce(pd.concat(parts, ignore_index=True), CALIBRATION_COLUMNS)
