"""Every student's score at every decision point of every year, with the change since
the previous point and, for a tier rise, the indicator that moved
(k12ews.ml.timing.trajectories.risk_trajectories)."""

from k12ews.ml.timing import trajectories


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    labels = dbt.ref("ml_labels").df()
    decision_points = dbt.ref("ml_decision_points").df()
    return trajectories.risk_trajectories(reg, feats, labels, decision_points)
