"""After a promotion: the old and the new model on the same records.

The first scoring run after a promotion scores with a new model version. A tier that
rises between that run and the previous one may then come from the change of model, not
from the student's record, so ``ews_alerts`` leaves such rises out (an alert comes from a
changed record only) and this module says instead what the change of model did: the
previous version, loaded from the store, scores the records of the current run, and the
two are set side by side, per model: the students whose tier the new model raises or
lowers on the very same records.
"""

from __future__ import annotations

import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.risk import scoring
from k12ews.ml.timing import trajectories

COLUMNS = schemas.ML_MODEL_CHANGE_COMPARISON


def replaced_models(score_history: pd.DataFrame) -> pd.DataFrame:
    """The models whose version changed between the two latest runs: model_id, the two
    as-of dates and versions."""
    runs = sorted(pd.unique(score_history["as_of_date"]))
    if len(runs) < 2:
        return pd.DataFrame(
            columns=[
                "model_id",
                "as_of_date",
                "previous_as_of_date",
                "model_version",
                "previous_model_version",
            ]
        )
    keys = ["model_id", "model_version"]
    now = score_history.loc[score_history["as_of_date"] == runs[-1], keys].drop_duplicates()
    before = score_history.loc[score_history["as_of_date"] == runs[-2], keys].drop_duplicates()
    pairs = now.merge(before, on="model_id", suffixes=("", "_previous"))
    pairs = pairs[pairs["model_version"] != pairs["model_version_previous"]]
    return pairs.rename(columns={"model_version_previous": "previous_model_version"}).assign(
        as_of_date=runs[-1], previous_as_of_date=runs[-2]
    )


def _statement(row: dict[str, object]) -> str:
    return (
        f"The model was replaced (version {row['previous_model_version']} by "
        f"{row['model_version']}). On the same records of the {row['students']} students "
        f"scored, the new model puts {row['tier_rises_from_model']} in a higher tier and "
        f"{row['tier_falls_from_model']} in a lower one than the old model did. These "
        "changes come from the model, not from the students' records, so they are not "
        "alerts; alerts resume with the next run."
    )


def compare(
    replaced: pd.DataFrame,
    store: pd.DataFrame,
    scores: pd.DataFrame,
    feats: pd.DataFrame,
    decision_points: pd.DataFrame,
) -> pd.DataFrame:
    """One row per replaced model: the old version (a row of ``store``) on the records the
    new one scored now (``scores``: ml_risk_scores)."""
    rows = []
    with threadpool_limits(limits=1, user_api="openmp"):
        for _, r in replaced.iterrows():
            old = store[
                (store["model_id"] == r["model_id"])
                & (store["model_version"] == r["previous_model_version"])
            ].head(1)
            new = scores[scores["model_id"] == r["model_id"]]
            if old.empty or new.empty:
                continue
            old_scores = scoring.score_current(
                old.assign(is_scoring_model=True), feats, decision_points
            )
            both = new.merge(old_scores, on=["student_id", "outcome"], suffixes=("", "_old"))
            rank = both["risk_tier"].map(trajectories.TIER_RANK)
            rank_old = both["risk_tier_old"].map(trajectories.TIER_RANK)
            row: dict[str, object] = {
                **r.to_dict(),
                "outcome": str(new["outcome"].iloc[0]),
                "students": len(both),
                "tier_rises_from_model": int((rank > rank_old).sum()),
                "tier_falls_from_model": int((rank < rank_old).sum()),
                "mean_absolute_probability_change": float(
                    (both["risk_probability"] - both["risk_probability_old"]).abs().mean()
                ),
            }
            rows.append({**row, "statement": _statement(row)})
    if not rows:
        return typed.empty(COLUMNS)
    return typed.coerce(pd.DataFrame(rows).sort_values("model_id"), COLUMNS)
