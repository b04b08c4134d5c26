"""Feature importance per model, from the registry (k12ews.ml.pipeline.feature_importance)."""

from k12ews.ml import pipeline


def model(dbt, session):
    dbt.config(materialized="table")
    return pipeline.feature_importance(dbt.ref("ml_model_registry").df())
