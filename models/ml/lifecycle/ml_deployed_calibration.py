"""Calibration of the deployed scores: by decile of each stored run's score, the mean
probability against the share whose adverse outcome followed
(k12ews.ml.lifecycle.deployed.calibration)."""

from k12ews.ml.lifecycle import deployed

HISTORY = "as_of_date, student_id, school_year, outcome, model_id, model_version, risk_probability"


def model(dbt, session):
    dbt.config(materialized="table")
    history = dbt.ref("ml_risk_score_history").project(HISTORY).df()
    labels = dbt.ref("ml_labels").df()
    return deployed.calibration(history, labels)
