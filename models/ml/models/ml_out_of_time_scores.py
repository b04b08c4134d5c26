"""Every trained model's out-of-time test cohort with its scores
(k12ews.ml.risk.out_of_time.out_of_time_scores): what the validation marts and the report
draw ROC and calibration curves from."""

from k12ews.ml.risk import out_of_time


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    labels = dbt.ref("ml_labels").df()
    return out_of_time.out_of_time_scores(reg, feats, labels)
