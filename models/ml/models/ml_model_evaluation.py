"""Out-of-time evaluation of every model beside the named baselines and per student group
(k12ews.ml.risk.model_evaluation.evaluate_registry)."""

from k12ews.ml import schemas
from k12ews.ml.lifecycle import reuse
from k12ews.ml.risk import model_evaluation
from k12ews.ml.risk.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = Settings.from_json(dbt.config.get("ml_settings"))
    reg = dbt.ref("ml_model_registry").df()
    feats_rel, labels_rel = dbt.ref("ml_features"), dbt.ref("ml_labels")
    previous = reuse.previous_table(session, dbt.this, schemas.ML_MODEL_EVALUATION)
    if reuse.keep_previous(previous, reg):
        return previous  # the same model versions (k12ews.ml.lifecycle.reuse)
    feats, labels = feats_rel.df(), labels_rel.df()
    return model_evaluation.evaluate_registry(reg, feats, labels, settings)
