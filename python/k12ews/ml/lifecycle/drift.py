"""Drift watch: for each model that scored the current year, the distribution of each of
its features and of its scores in the current year against its training cohorts.

The measure is the population stability index, PSI = sum over bins of
(current share - training share) x ln(current share / training share), in quantile bins
of the training values (missing values a bin of their own; shares floored at 1e-4), over
the training years in which the indicator was recorded at all (``recorded``). A
quantity at or above the warn threshold has drifted, at or above the alert threshold it
has drifted a lot (the usual reading: under 0.1 stable, 0.1-0.25 some shift, over 0.25 a
large one). Beside each feature: the share of the current students whose explanation's
top factor raising the risk is that feature; beside the scores: the share whose top
factor is a drifted feature (the explanations most affected by the drift).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.lifecycle.rules import LifecycleSettings
from k12ews.ml.risk import features, scoring
from k12ews.ml.risk.settings import model_rows

COLUMNS = schemas.ML_MODEL_DRIFT
FLOOR = 1e-4
SCORE = "risk_probability"
STABLE, SHIFT, LARGE = "stable", "drifted", "drifted a lot"


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of ``values`` in each bin between ``edges`` (the outer bins open), and the
    share missing last."""
    known = values[~np.isnan(values)]
    counts = np.bincount(np.searchsorted(edges, known, side="right"), minlength=len(edges) + 1)
    counts = np.append(counts, np.isnan(values).sum())
    return counts / max(len(values), 1)


def psi(training: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index of ``current`` against ``training``."""
    training = np.asarray(training, dtype=float)
    current = np.asarray(current, dtype=float)
    if len(training) == 0 or len(current) == 0:
        return float("nan")
    known = training[~np.isnan(training)]
    qs = np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1]) if len(known) else np.array([])
    edges = np.unique(qs)
    t = np.maximum(_shares(training, edges), FLOOR)
    c = np.maximum(_shares(current, edges), FLOOR)
    return float(np.sum((c - t) * np.log(c / t)))


def recorded(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The training values of the school years in which the indicator was recorded at all:
    a year with no known value (the first year of the extract has no prior year) says
    nothing about the indicator's distribution, only about the extract."""
    known = ~np.isnan(values)
    kept = np.isin(years, np.unique(years[known]))
    return values[kept] if kept.any() else values


def status(value: float, rules: LifecycleSettings) -> str:
    if np.isnan(value) or value < rules.drift_psi_warn:
        return STABLE
    return LARGE if value >= rules.drift_psi_alert else SHIFT


def _years(label: str) -> list[int]:
    lo, _, hi = label.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def _top_factor_shares(explanations: pd.DataFrame, model_id: str) -> pd.Series:
    """Per feature, the share of the model's scored students whose top factor raising
    the risk it is."""
    e = explanations[explanations["model_id"] == model_id]
    students = e[["student_id", "outcome"]].drop_duplicates().shape[0]
    top = e[e["rank_raising"] == 1]
    return top["feature"].value_counts() / max(students, 1)


def model_drift(
    row: dict[str, object],
    feats: pd.DataFrame,
    current: pd.DataFrame,
    explanations: pd.DataFrame,
    rules: LifecycleSettings,
) -> list[dict[str, object]]:
    """The drift rows of one model: each feature, then its scores."""
    loaded = scoring.LoadedModel.from_row(row)
    band, outcome, dp = str(row["grade_band"]), str(row["outcome"]), str(row["decision_point"])
    train_rows = model_rows(feats, band, outcome, dp)
    train_rows = train_rows[train_rows["school_year"].isin(_years(str(row["train_school_years"])))]
    now_rows = model_rows(current, band, outcome, dp)
    x_tr, x_now = loaded.design(train_rows), loaded.design(now_rows)
    tops = _top_factor_shares(explanations, str(row["model_id"]))
    base = {
        k: row[k] for k in ("model_id", "model_version", "grade_band", "outcome", "decision_point")
    }
    base |= {
        "school_year": int(now_rows["school_year"].max()) if len(now_rows) else None,
        "training_school_years": row["train_school_years"],
        "current_students": len(now_rows),
        "training_students": len(train_rows),
    }
    years_tr = train_rows["school_year"].to_numpy()
    out = []
    for i, name in enumerate(loaded.model.features):
        value = psi(recorded(x_tr[:, i], years_tr), x_now[:, i], rules.drift_bins)
        out.append(
            {
                **base,
                "quantity": name,
                "quantity_kind": features.feature_group(name),
                "training_mean": float(np.nanmean(x_tr[:, i])) if len(x_tr) else np.nan,
                "current_mean": float(np.nanmean(x_now[:, i])) if len(x_now) else np.nan,
                "population_stability_index": value,
                "drift_status": status(value, rules),
                "share_top_factor": float(tops.get(name, 0.0)),
            }
        )
    drifted = [r["quantity"] for r in out if r["drift_status"] != STABLE]
    p_tr = loaded.model.predict_proba(x_tr) if len(x_tr) else np.array([])
    p_now = loaded.model.predict_proba(x_now) if len(x_now) else np.array([])
    value = psi(p_tr, p_now, rules.drift_bins)
    out.append(
        {
            **base,
            "quantity": SCORE,
            "quantity_kind": "score",
            "training_mean": float(p_tr.mean()) if len(p_tr) else np.nan,
            "current_mean": float(p_now.mean()) if len(p_now) else np.nan,
            "population_stability_index": value,
            "drift_status": status(value, rules),
            "share_top_factor": float(sum(tops.get(f, 0.0) for f in drifted)),
        }
    )
    return out


def drift(
    reg: pd.DataFrame,
    feats: pd.DataFrame,
    scores: pd.DataFrame,
    explanations: pd.DataFrame,
    rules: LifecycleSettings,
) -> pd.DataFrame:
    """One row per model that scored the current year x quantity (feature or score)."""
    if scores.empty:
        return typed.empty(COLUMNS)
    year = int(scores["school_year"].max())
    dp = str(scores["decision_point"].iloc[0])
    current = feats[(feats["school_year"] == year) & (feats["decision_point"] == dp)]
    used = set(scores["model_id"])
    rows: list[dict[str, object]] = []
    with threadpool_limits(limits=1, user_api="openmp"):
        for _, r in scoring.trained(reg).iterrows():
            if r["model_id"] in used:
                rows += model_drift(r.to_dict(), feats, current, explanations, rules)
    if not rows:
        return typed.empty(COLUMNS)
    frame = pd.DataFrame(rows)
    frame["is_drifted"] = frame["drift_status"] != STABLE
    return typed.coerce(frame, COLUMNS)
