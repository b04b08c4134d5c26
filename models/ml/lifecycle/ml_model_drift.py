"""Drift watch: each feature and the scores of every model that scored the current year,
against its training cohorts (population stability index), with the share of students
whose top factor is the feature (k12ews.ml.lifecycle.drift.drift)."""

from k12ews.ml.lifecycle import drift
from k12ews.ml.lifecycle.rules import LifecycleSettings


def model(dbt, session):
    dbt.config(materialized="table")
    rules = LifecycleSettings.from_json(dbt.config.get("ml_lifecycle"))
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    scores = dbt.ref("ml_risk_scores").df()
    explanations = (
        dbt.ref("ml_risk_explanations")
        .project("student_id, outcome, model_id, feature, rank_raising")
        .df()
    )
    return drift.drift(reg, feats, scores, explanations, rules)
