"""Out-of-time evaluation of every model beside the named baselines and per student group
(k12ews.ml.risk.model_evaluation.evaluate_registry)."""

from k12ews.ml.risk import model_evaluation
from k12ews.ml.risk.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = Settings.from_json(dbt.config.get("ml_settings"))
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    labels = dbt.ref("ml_labels").df()
    return model_evaluation.evaluate_registry(reg, feats, labels, settings)
