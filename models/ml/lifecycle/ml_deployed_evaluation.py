"""The deployed system's real record: every stored score in ml_risk_score_history against
the outcome that followed, overall and per student group, beside the out-of-time figures
the model was promoted on (k12ews.ml.lifecycle.deployed.evaluate)."""

from k12ews.ml.lifecycle import deployed
from k12ews.ml.lifecycle.rules import LifecycleSettings
from k12ews.ml.risk.model_evaluation import GROUPS

HISTORY = (
    "as_of_date, student_id, school_year, outcome, grade_band, decision_point, model_id, "
    "model_version, risk_probability"
)


def model(dbt, session):
    dbt.config(materialized="table")
    rules = LifecycleSettings.from_json(dbt.config.get("ml_lifecycle"))
    history = dbt.ref("ml_risk_score_history").project(HISTORY).df()
    labels = dbt.ref("ml_labels").df()
    groups = ", ".join(f"any_value({c}) as {c}" for c in GROUPS.values())
    student_groups = (
        dbt.ref("ml_features")
        .aggregate(f"student_id, school_year, {groups}", "student_id, school_year")
        .df()
    )
    out_of_time = (
        dbt.ref("ml_model_store")
        .project("model_version, test_roc_auc, test_calibration_error")
        .filter("model_version is not null")
        .df()
    )
    return deployed.evaluate(history, labels, student_groups, out_of_time, rules.capacity_share)
