"""Feature importance per model, from the registry (k12ews.ml.risk.pipeline.feature_importance)."""

from k12ews.ml.risk import pipeline


def model(dbt, session):
    dbt.config(materialized="table")
    return pipeline.feature_importance(dbt.ref("ml_model_registry").df())
