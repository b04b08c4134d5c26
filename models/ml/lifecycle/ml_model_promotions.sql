-- Grain: one row per training run per model (model_id, trained_at). The promotion
-- history: every challenger trained, the model it was compared with, both models' figures
-- on the newest out-of-time cohort and the decision with its reason
-- (docs/model_lifecycle.md). Read from ml_model_store, which keeps every run across
-- builds and --full-refresh.
with

store as (
    select * from {{ ref('ml_model_store') }}
),

final as (
    select
        model_id,
        trained_at,
        as_of_date,
        ml_mode,
        grade_band,
        outcome,
        decision_point,
        feature_set,
        is_scoring_model,
        status,
        model_version as challenger_version,
        compared_with_version,
        train_school_years,
        evaluation_school_years,
        evaluation_students,
        capacity_share,
        challenger_roc_auc,
        challenger_calibration_error,
        challenger_precision_at_capacity,
        promoted_roc_auc,
        promoted_calibration_error,
        promoted_precision_at_capacity,
        shuffled_training_labels,
        promotion_decision,
        is_promoted,
        promotion_reason
    from store
)

select * from final
