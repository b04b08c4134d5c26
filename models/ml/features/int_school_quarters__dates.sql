-- Grain: one row per school per school year per grading quarter (school_id, school_year,
-- grading_quarter), quarters 1 to 4. The first and last instructional day of each
-- grading quarter in each school's calendar: where a quarter ends at a school (the
-- decision-point spine, int_decision_points__spells) and where it begins (the service
-- risk sets, ml_service_risk_sets).
-- A view: read by its one or two neighbours, cheap to compute.
{{ config(materialized='view', schema='int', access='private') }}

with

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

final as (
    select
        school_id,
        school_year,
        grading_quarter,
        min(calendar_date) as quarter_start_date,
        max(calendar_date) as quarter_end_date
    from calendar_days
    where is_instructional_day and grading_quarter between 1 and 4
    group by school_id, school_year, grading_quarter
)

select * from final
