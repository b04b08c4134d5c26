{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
-- Grain: one row per scoring run (as-of date) per student per school year per outcome per
-- feature (as_of_date, student_id, school_year, outcome, feature). Every scoring run's
-- ml_risk_explanations (each indicator's exact contribution and sentence), kept beside
-- ml_risk_score_history so that ews_alerts can name the indicator whose contribution
-- rose most between two runs. Same rules as ml_risk_score_history: a run at a stored
-- as-of date replaces that run; `--full-refresh` does not touch it (full_refresh=false).
with

explanations as (
    select * from {{ ref('ml_risk_explanations') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

run as (
    select
        max(as_of_date) as as_of_date,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
            as {{ dbt.type_timestamp() }}
        ) as run_started_at
    from student_years
),

final as (
    select
        run.as_of_date,
        run.run_started_at,
        explanations.student_id,
        explanations.school_year,
        explanations.outcome,
        explanations.model_id,
        explanations.model_version,
        explanations.feature,
        explanations.feature_group,
        explanations.feature_value,
        explanations.contribution,
        explanations.sentence
    from explanations
    cross join run
)

select * from final
