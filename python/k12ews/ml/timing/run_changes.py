"""What changed between the two latest scoring runs kept in the history.

``ml_risk_score_history`` and ``ml_risk_explanation_history`` keep every run's scores and
each indicator's value and contribution under the as-of date of the build. For every
student and outcome scored in both of the two latest runs this gives the tiers and
probabilities before and now, ``is_tier_rise`` and, for a rise, the indicator that moved,
read through the latest run's model as in ``trajectories``: each indicator's contribution
with the values stored at the latest run minus its contribution with the values stored at
the previous run (a value the previous run did not store, because its model did not use
the indicator, counts as unchanged). The two runs may have used different models (another
decision point, or a model retrained on a year more of outcomes); the record's part of
the change is ``record_log_odds_change``, the rest is the change of model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.risk import features, scoring
from k12ews.ml.timing import trajectories

COLUMNS = schemas.ML_RISK_RUN_CHANGES

_PAIR = ["student_id", "outcome"]


def run_pairs(score_history: pd.DataFrame) -> pd.DataFrame:
    """Students x outcomes scored in both of the two latest runs, before and now."""
    runs = sorted(pd.unique(score_history["as_of_date"]))
    if len(runs) < 2:
        return pd.DataFrame(columns=[*COLUMNS, "tier_rank", "previous_tier_rank"])
    now = score_history[score_history["as_of_date"] == runs[-1]]
    before = score_history[score_history["as_of_date"] == runs[-2]][
        [
            *_PAIR,
            "as_of_date",
            "school_year",
            "decision_point",
            "risk_tier",
            "risk_probability",
            "risk_log_odds",
            "model_version",
        ]
    ]
    out = now.merge(before, on=_PAIR, suffixes=("", "_before"), validate="one_to_one")
    out = out.rename(
        columns={
            "as_of_date_before": "previous_as_of_date",
            "school_year_before": "previous_school_year",
            "decision_point_before": "previous_decision_point",
            "risk_tier_before": "previous_risk_tier",
            "risk_probability_before": "previous_risk_probability",
            "model_version_before": "previous_model_version",
        }
    )
    out["risk_probability_change"] = out["risk_probability"] - out["previous_risk_probability"]
    out["risk_log_odds_change"] = out["risk_log_odds"] - out["risk_log_odds_before"]
    now_rank = out["risk_tier"].map(trajectories.TIER_RANK)
    before_rank = out["previous_risk_tier"].map(trajectories.TIER_RANK)
    out["is_tier_rise"] = (now_rank > before_rank).to_numpy(dtype=bool)
    return out.sort_values(["outcome", "student_id"], ignore_index=True)


Wide = tuple[pd.DataFrame, pd.DataFrame]


def stored_values(explanations: pd.DataFrame, as_of: object) -> Wide:
    """One run's stored feature values, (student_id, outcome) x feature, and a frame of
    the same shape that is not null where a value was stored (a stored value may be NaN:
    missing in the record)."""
    run = explanations[explanations["as_of_date"] == as_of]
    values = run.pivot_table(
        index=_PAIR, columns="feature", values="feature_value", aggfunc="first", dropna=False
    )
    stored = run.assign(one=1.0).pivot_table(
        index=_PAIR, columns="feature", values="one", aggfunc="first"
    )
    return values, stored


def take(wide: Wide, keys: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``keys`` (student_id, outcome) in ``names`` order, and whether each
    was stored."""
    index = pd.MultiIndex.from_frame(keys[_PAIR])
    values = wide[0].reindex(index=index, columns=names).to_numpy(dtype=float)
    present = wide[1].reindex(index=index, columns=names).notna().to_numpy()
    return values, present


def changes_since_previous_run(
    reg: pd.DataFrame, score_history: pd.DataFrame, explanation_history: pd.DataFrame
) -> pd.DataFrame:
    """One row per student x school year x outcome scored in both latest runs."""
    pairs = run_pairs(score_history)
    if pairs.empty:
        return typed.coerce(pairs, COLUMNS)
    for c in ("indicator_that_moved", "indicator_feature_group", "indicator_sentence"):
        pairs[c] = pd.Series(None, index=pairs.index, dtype="object")
    pairs["indicator_contribution_change"] = np.nan
    pairs["record_log_odds_change"] = np.nan
    models = scoring.trained(reg).set_index("model_id")
    latest, previous = pairs["as_of_date"].iloc[0], pairs["previous_as_of_date"].iloc[0]
    sentences = explanation_history[explanation_history["as_of_date"] == latest].set_index(
        [*_PAIR, "feature"]
    )["sentence"]
    rise = pairs["is_tier_rise"].to_numpy(dtype=bool)
    risen = explanation_history.merge(pairs.loc[rise, _PAIR], on=_PAIR)
    now_values, before_values = stored_values(risen, latest), stored_values(risen, previous)
    with threadpool_limits(limits=1, user_api="openmp"):
        for model_id in pd.unique(pairs.loc[rise, "model_id"]):
            if model_id not in models.index:
                continue  # the model that scored the latest run is no longer in the registry
            model = scoring.LoadedModel.from_row(
                {"model_id": model_id, **models.loc[model_id].to_dict()}
            ).model
            pos = np.flatnonzero(rise & (pairs["model_id"] == model_id).to_numpy())
            keys = pairs.iloc[pos]
            x_now, _ = take(now_values, keys, model.features)
            x_before, stored = take(before_values, keys, model.features)
            x_before = np.where(stored, x_before, x_now)
            changes = trajectories.indicator_changes(model, x_now, x_before)
            names, gain, moved = trajectories.pick_moved(changes, model.features)
            idx = pairs.index[pos]
            pairs.loc[idx, "record_log_odds_change"] = changes.sum(axis=1)
            pairs.loc[idx, "indicator_that_moved"] = names
            pairs.loc[idx, "indicator_contribution_change"] = gain
            pairs.loc[idx, "indicator_feature_group"] = [
                features.feature_group(str(f)) if m else None
                for f, m in zip(names, moved, strict=True)
            ]
            pairs.loc[idx, "indicator_sentence"] = [
                sentences.get((s, o, f)) if m else None
                for s, o, f, m in zip(
                    keys["student_id"], keys["outcome"], names, moved, strict=True
                )
            ]
    return typed.coerce(pairs, COLUMNS)
