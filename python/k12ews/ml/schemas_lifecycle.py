"""The schemas of the model lifecycle's tables (``k12ews.ml.lifecycle``): the persistent
model store, the promotion history, the deployed evaluation, drift, the model cards and
the comparison of an old and a new model after a promotion. Column -> SQL type, as in
``k12ews.ml.schemas`` (which adds the store: the registry's columns and the promotion
decision's)."""

from __future__ import annotations

from k12ews.ml.typed import BIGINT, BOOLEAN, DOUBLE, TIMESTAMP, VARCHAR, Schema

# What a training run adds to each registry row in the store: when it was trained, and
# the promotion decision with both models' figures on the newest out-of-time cohort.
PROMOTION_DECISION: Schema = {
    "trained_at": TIMESTAMP,
    "ml_mode": VARCHAR,
    "promotion_decision": VARCHAR,
    "is_promoted": BOOLEAN,
    "promotion_reason": VARCHAR,
    "compared_with_version": VARCHAR,
    "evaluation_school_years": VARCHAR,
    "evaluation_students": BIGINT,
    "capacity_share": DOUBLE,
    "challenger_roc_auc": DOUBLE,
    "challenger_calibration_error": DOUBLE,
    "challenger_precision_at_capacity": DOUBLE,
    "promoted_roc_auc": DOUBLE,
    "promoted_calibration_error": DOUBLE,
    "promoted_precision_at_capacity": DOUBLE,
}

ML_DEPLOYED_EVALUATION: Schema = {
    "as_of_date": TIMESTAMP,
    "model_id": VARCHAR,
    "model_version": VARCHAR,
    "grade_band": VARCHAR,
    "outcome": VARCHAR,
    "decision_point": VARCHAR,
    "school_year": BIGINT,
    "group_type": VARCHAR,
    "group_value": VARCHAR,
    "scored_students": BIGINT,
    "outcome_known_share": DOUBLE,
    "students": BIGINT,
    "events": BIGINT,
    "roc_auc": DOUBLE,
    "calibration_error": DOUBLE,
    "mean_predicted": DOUBLE,
    "observed_rate": DOUBLE,
    "capacity_share": DOUBLE,
    "precision_at_capacity": DOUBLE,
    "recall_at_capacity": DOUBLE,
    "out_of_time_roc_auc": DOUBLE,
    "out_of_time_calibration_error": DOUBLE,
}

ML_DEPLOYED_CALIBRATION: Schema = {
    "as_of_date": TIMESTAMP,
    "model_id": VARCHAR,
    "model_version": VARCHAR,
    "outcome": VARCHAR,
    "school_year": BIGINT,
    "decile": BIGINT,
    "students": BIGINT,
    "mean_predicted": DOUBLE,
    "observed_rate": DOUBLE,
}

ML_MODEL_DRIFT: Schema = {
    "model_id": VARCHAR,
    "model_version": VARCHAR,
    "grade_band": VARCHAR,
    "outcome": VARCHAR,
    "decision_point": VARCHAR,
    "school_year": BIGINT,
    "training_school_years": VARCHAR,
    "quantity": VARCHAR,
    "quantity_kind": VARCHAR,
    "current_students": BIGINT,
    "training_students": BIGINT,
    "training_mean": DOUBLE,
    "current_mean": DOUBLE,
    "population_stability_index": DOUBLE,
    "drift_status": VARCHAR,
    "is_drifted": BOOLEAN,
    "share_top_factor": DOUBLE,
}

ML_MODEL_CARDS: Schema = {
    "model_id": VARCHAR,
    "model_version": VARCHAR,
    "grade_band": VARCHAR,
    "outcome": VARCHAR,
    "decision_point": VARCHAR,
    "promoted_at": TIMESTAMP,
    "section_order": BIGINT,
    "section": VARCHAR,
    "content": VARCHAR,
}

ML_MODEL_CHANGE_COMPARISON: Schema = {
    "model_id": VARCHAR,
    "outcome": VARCHAR,
    "as_of_date": TIMESTAMP,
    "previous_as_of_date": TIMESTAMP,
    "previous_model_version": VARCHAR,
    "model_version": VARCHAR,
    "students": BIGINT,
    "tier_rises_from_model": BIGINT,
    "tier_falls_from_model": BIGINT,
    "mean_absolute_probability_change": DOUBLE,
    "statement": VARCHAR,
}
