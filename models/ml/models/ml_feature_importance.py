"""Feature importance per model, from the registry
(k12ews.ml.risk.model_evaluation.feature_importance)."""

from k12ews.ml.risk import model_evaluation


def model(dbt, session):
    dbt.config(materialized="table")
    return model_evaluation.feature_importance(dbt.ref("ml_model_registry").df())
