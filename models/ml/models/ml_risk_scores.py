"""Current risk scores: student x year x outcome (k12ews.ml.risk.scoring.score_current)."""

from k12ews.ml.risk import scoring


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    decision_points = dbt.ref("ml_decision_points").df()
    return scoring.score_current(reg, feats, decision_points)
