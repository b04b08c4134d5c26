"""Risk trajectories: each student's score at every decision point of every year, as a
counsellor reads it, a line over quarters and years.

For every ``ml_features`` row (student x school year x decision point) and every outcome
modelled for the row's band, the scoring model of that band, outcome and decision point
(``is_scoring_model`` in the registry) gives the calibrated probability and tier, exactly
as ``scoring.score_current`` does for the current year. Beside it:

- ``data_role``: whether the row's school year was one the model learned from
  (``train``), was chosen and calibrated on (``validation``), was tested on out of time
  (``test``) or none of these (``scored``: the current year, and recent years whose
  outcomes are not all known). Train and validation scores are in-sample: they look
  better than the model is. Only test and scored rows are honest about what the model
  would have said then;
- the change since the student's previous decision point for the same outcome, across
  year boundaries too (q1 of one year follows the end of the previous year), with the
  previous point named, so a gap (a year out of the district) is visible;
- ``is_tier_rise`` (Low -> Moderate -> High) and, for a rise, the indicator that moved
  (``indicator_that_moved``) with its sentence from the student's own record
  (``sentences.describe``). Each decision point has its own model, so the two scores
  come from different models; comparing their contributions would mix what changed in
  the record with how the models differ. The indicator that moved is therefore read
  through one lens, the current model: each indicator's exact additive contribution
  (``AdditiveExplainer``, as in ``ml_risk_explanations``) with the student's values now,
  minus its contribution with the values at the previous point. These changes add up
  exactly to ``record_log_odds_change``, the current model's log-odds now minus its
  log-odds for the previous record; the rest of ``risk_log_odds_change`` is the change of
  model. Computed only for the rows that rose.

Rows of decision points not yet reached are left out, except the current year's scoring
point while it is running (``is_decision_point_complete`` false), as in ``ml_risk_scores``.
Bands and outcomes without a trained scoring model have no rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.odds import expit
from k12ews.ml.risk import evaluate, features, scoring, sentences, settings, train

TIER_RANK: dict[str, int] = {"Low": 0, "Moderate": 1, "High": 2}

COLUMNS = schemas.ML_RISK_TRAJECTORIES

_KEY = ["outcome", "student_id", "school_year", "decision_point_order"]


def year_span(label: object) -> tuple[int, int] | None:
    """The first and last year of a registry label ("2019", "2015-2019"; "" = none)."""
    text = "" if label is None or (isinstance(label, float) and np.isnan(label)) else str(label)
    if not text:
        return None
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


def data_role(school_years: pd.Series, row: Mapping[str, object]) -> np.ndarray:
    """train, validation or test by the model's school years; scored for any other year."""
    years = school_years.to_numpy(dtype=np.int64)
    out = np.full(len(years), "scored", dtype=object)
    for role in ("train", "validation", "test"):
        span = year_span(row[f"{role}_school_years"])
        if span is not None:
            out[(years >= span[0]) & (years <= span[1])] = role
    return out


def reached_rows(feats: pd.DataFrame, decision_points: pd.DataFrame) -> pd.DataFrame:
    """Feature rows of decision points reached by the as-of date, plus the current year's
    scoring point while it runs; with ``is_decision_point_complete``."""
    current = int(feats["school_year"].max())
    scoring_dp, _ = scoring.scoring_point(decision_points, current)
    done = decision_points[["school_year", "decision_point", "is_complete"]].rename(
        columns={"is_complete": "is_decision_point_complete"}
    )
    out = feats.merge(done, on=["school_year", "decision_point"], how="left", validate="m:1")
    out["is_decision_point_complete"] = (
        out["is_decision_point_complete"].astype("boolean").fillna(False).astype(bool)
    )
    keep = out["is_decision_point_complete"] | (
        (out["school_year"] == current) & (out["decision_point"] == scoring_dp)
    )
    return out[keep.to_numpy()].reset_index(drop=True)


def _scoring_models(reg: pd.DataFrame) -> dict[str, scoring.LoadedModel]:
    chosen = scoring.trained(reg)
    chosen = chosen[chosen["is_scoring_model"].astype(bool)]
    return {
        str(r["model_id"]): scoring.LoadedModel.from_row(r.to_dict()) for _, r in chosen.iterrows()
    }


def _score(
    models: Mapping[str, scoring.LoadedModel], rows: pd.DataFrame, design: pd.DataFrame
) -> pd.DataFrame:
    """One scored row per feature row and outcome modelled for it (``row_id`` kept)."""
    parts = []
    for model_id, loaded in models.items():
        r = loaded.row
        band, outcome, dp = str(r["grade_band"]), str(r["outcome"]), str(r["decision_point"])
        sub = settings.model_rows(rows, band, outcome, dp)
        if sub.empty:
            continue
        x = design.loc[sub["row_id"].to_numpy(), loaded.model.features].to_numpy(dtype=float)
        logit = loaded.model.calibrated_logit(x)
        p = expit(logit)
        part = sub[
            [
                "row_id",
                "student_id",
                "school_year",
                "decision_point",
                "decision_point_order",
                "decision_date",
                "is_decision_point_complete",
                "school_id",
                "grade_level",
                "grade_band",
            ]
        ].copy()
        part["outcome"] = outcome
        part["model_id"] = model_id
        part["model_version"] = r["model_version"]
        part["data_role"] = data_role(sub["school_year"], r)
        part["risk_probability"] = p
        part["risk_log_odds"] = logit
        part["base_log_odds"] = loaded.model.base_log_odds(loaded.grades(sub))
        part["risk_tier"] = evaluate.tier_of(p, json.loads(str(r["tier_thresholds"])))
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["row_id", *COLUMNS])
    return pd.concat(parts, ignore_index=True)


def link_previous(scores: pd.DataFrame) -> pd.DataFrame:
    """Sort into trajectories and add the previous decision point's figures and the
    change since then (same student and outcome; across year boundaries)."""
    out = scores.sort_values(_KEY, kind="stable", ignore_index=True)
    n = len(out)
    same = np.zeros(n, dtype=bool)
    if n > 1:
        same[1:] = (out["student_id"].to_numpy()[1:] == out["student_id"].to_numpy()[:-1]) & (
            out["outcome"].to_numpy()[1:] == out["outcome"].to_numpy()[:-1]
        )
    prev = out.shift(1)
    for src, dst in (
        ("row_id", "previous_row_id"),
        ("school_year", "previous_school_year"),
        ("decision_point", "previous_decision_point"),
        ("risk_probability", "previous_risk_probability"),
        ("risk_tier", "previous_risk_tier"),
        ("risk_log_odds", "previous_risk_log_odds"),
    ):
        out[dst] = prev[src].where(same)
    out["previous_school_year"] = out["previous_school_year"].astype("Int64")
    out["previous_row_id"] = out["previous_row_id"].astype("Int64")
    out["risk_probability_change"] = out["risk_probability"] - out["previous_risk_probability"]
    out["risk_log_odds_change"] = out["risk_log_odds"] - out["previous_risk_log_odds"]
    rank_now = out["risk_tier"].map(TIER_RANK).to_numpy(dtype=float)
    rank_before = out["previous_risk_tier"].map(TIER_RANK).to_numpy(dtype=float)
    out["is_tier_rise"] = same & (rank_now > rank_before)
    return out


def indicator_changes(
    model: train.FittedModel, x_now: np.ndarray, x_before: np.ndarray
) -> np.ndarray:
    """Per row and model feature, the contribution with the values now minus the
    contribution with the values before, both under ``model`` and against one typical
    student (the band's, so it cancels out, whatever the grades of the two records):
    they add up exactly to the model's log-odds now minus its log-odds for the earlier
    values."""
    return model.contributions(x_now) - model.contributions(x_before)


def pick_moved(
    changes: np.ndarray, names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the feature whose contribution rose most (first in ``names`` on ties),
    by how much, and whether anything rose at all."""
    if changes.shape[1] == 0:
        n = changes.shape[0]
        return np.full(n, None, dtype=object), np.full(n, np.nan), np.zeros(n, dtype=bool)
    best = np.argmax(changes, axis=1)
    gain = changes[np.arange(len(changes)), best]
    moved = gain > 0
    picked = np.asarray(names, dtype=object)[best]
    return np.where(moved, picked, None), np.where(moved, gain, np.nan), moved


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts for ``sentences.describe`` (a third of ``to_dict``'s time)."""
    columns = list(frame.columns)
    return [dict(zip(columns, values, strict=True)) for values in frame.to_numpy(dtype=object)]


def moved_indicators(
    trajectory: pd.DataFrame,
    models: Mapping[str, scoring.LoadedModel],
    design: pd.DataFrame,
    rows: pd.DataFrame,
) -> pd.DataFrame:
    """For each tier rise: the indicator whose contribution under the current model rose
    most since the previous point, its group, the rise in log-odds, its sentence (null
    when no indicator's contribution rose), and ``record_log_odds_change``."""
    out = trajectory.copy()
    for c in ("indicator_that_moved", "indicator_feature_group", "indicator_sentence"):
        out[c] = pd.Series(None, index=out.index, dtype="object")
    out["indicator_contribution_change"] = np.nan
    out["record_log_odds_change"] = np.nan
    rise = out["is_tier_rise"].to_numpy(dtype=bool)
    for model_id in pd.unique(out.loc[rise, "model_id"]):
        pos = np.flatnonzero(rise & (out["model_id"] == model_id).to_numpy())
        model = models[str(model_id)].model
        now_ids = out["row_id"].iloc[pos].to_numpy(dtype=np.int64)
        before_ids = out["previous_row_id"].iloc[pos].to_numpy(dtype=np.int64)
        changes = indicator_changes(
            model,
            design.loc[now_ids, model.features].to_numpy(dtype=float),
            design.loc[before_ids, model.features].to_numpy(dtype=float),
        )
        names, gain, moved = pick_moved(changes, model.features)
        records = _records(rows.loc[now_ids])
        idx = out.index[pos]
        out.loc[idx, "record_log_odds_change"] = changes.sum(axis=1)
        out.loc[idx, "indicator_that_moved"] = names
        out.loc[idx, "indicator_contribution_change"] = gain
        out.loc[idx, "indicator_feature_group"] = [
            features.feature_group(str(f)) if m else None for f, m in zip(names, moved, strict=True)
        ]
        out.loc[idx, "indicator_sentence"] = [
            sentences.describe(str(f), rec) if m else None
            for f, rec, m in zip(names, records, moved, strict=True)
        ]
    return out


def _labelled(scores: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    lab = labels[["student_id", "school_year", "outcome", "is_adverse_outcome"]]
    return scores.merge(
        lab, how="left", on=["student_id", "school_year", "outcome"], validate="m:1"
    )


def risk_trajectories(
    reg: pd.DataFrame,
    feats: pd.DataFrame,
    labels: pd.DataFrame,
    decision_points: pd.DataFrame,
) -> pd.DataFrame:
    """Every student x school year x decision point x outcome with its scoring model's
    score, tier, data role, change since the previous point and, for a tier rise, the
    indicator that moved."""
    models = _scoring_models(reg)
    if feats.empty or not models:
        return typed.empty(COLUMNS)
    rows = reached_rows(feats, decision_points)
    rows["row_id"] = np.arange(len(rows))
    design = features.design_frame(rows)
    # One OpenMP thread, as in training (training.train_registry).
    with threadpool_limits(limits=1, user_api="openmp"):
        scores = _score(models, rows, design)
        trajectory = link_previous(scores)
        trajectory = moved_indicators(trajectory, models, design, rows)
    return typed.coerce(_labelled(trajectory, labels), COLUMNS)
