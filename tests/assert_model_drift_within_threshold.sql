{{ config(severity='warn', tags=['ml']) }}
-- A warning, not an error: the features or scores of a model that scored the current
-- year whose distribution has drifted from the model's training cohorts (population
-- stability index at or above var ml_drift_psi_warn, ml_model_drift). The scores still
-- stand; the drift says the model learnt from students unlike this year's, so read its
-- tiers with care, look at the drifted indicators (a change of records, of the district's
-- coding, or of the students), and consider training a challenger
-- (docs/model_lifecycle.md).
with

drift as (
    select * from {{ ref('ml_model_drift') }}
),

final as (
    select
        model_id,
        quantity,
        quantity_kind,
        training_mean,
        current_mean,
        population_stability_index,
        drift_status,
        share_top_factor
    from drift
    where is_drifted
)

select * from final
