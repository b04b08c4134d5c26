"""Every trained model's out-of-time test cohort with its scores
(k12ews.ml.risk.out_of_time.out_of_time_scores): what the validation marts and the report
draw ROC and calibration curves from."""

from k12ews.ml import schemas
from k12ews.ml.lifecycle import reuse
from k12ews.ml.risk import out_of_time


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry").df()
    feats_rel, labels_rel = dbt.ref("ml_features"), dbt.ref("ml_labels")
    previous = reuse.previous_table(session, dbt.this, schemas.ML_OUT_OF_TIME_SCORES)
    if reuse.keep_previous(previous, reg):
        return previous  # the same model versions (k12ews.ml.lifecycle.reuse)
    feats, labels = feats_rel.df(), labels_rel.df()
    return out_of_time.out_of_time_scores(reg, feats, labels)
