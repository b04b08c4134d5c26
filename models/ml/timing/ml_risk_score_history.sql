{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
-- Grain: one row per scoring run (as-of date) per student per school year per outcome
-- (as_of_date, student_id, school_year, outcome). Every scoring run's ml_risk_scores,
-- kept: each `dbt build` appends the current scores under the build's as-of date. A run
-- at an as-of date already stored replaces that run's rows whole (delete+insert on
-- as_of_date), so re-running a build the same day does not duplicate it.
-- full_refresh=false: `dbt build --full-refresh` leaves the history as it is; the only
-- way to start it over is to drop the table on purpose (doc block ml_score_history).
with

scores as (
    select * from {{ ref('ml_risk_scores') }}
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
        ) as run_started_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from student_years
),

final as (
    select
        run.as_of_date,
        run.run_started_at,
        run.dbt_invocation_id,
        scores.student_id,
        scores.school_year,
        scores.outcome,
        scores.decision_point,
        scores.decision_date,
        scores.is_decision_point_complete,
        scores.school_id,
        scores.grade_level,
        scores.grade_band,
        scores.risk_probability,
        scores.risk_log_odds,
        scores.base_log_odds,
        scores.risk_tier,
        scores.tier_meaning,
        scores.model_id,
        scores.model_version,
        scores.rank_in_school_grade,
        scores.students_in_school_grade
    from scores
    cross join run
)

select * from final
