-- Grain: one row per incident per student (incident_id, student_id): behaviour incidents
-- dated on or before the as-of date, the action taken and the days removed, with the
-- grading quarter of the incident date in the school's calendar and the student's grade
-- level that year.
with

discipline_incidents as (
    select * from {{ ref('stg_sis__discipline_incidents') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

known as (
    select discipline_incidents.*
    from discipline_incidents
    cross join as_of
    where discipline_incidents.incident_date <= as_of.as_of_date
),

described as (
    select
        known.incident_id,
        known.student_id,
        known.school_id,
        known.school_year,
        known.incident_date,
        calendar_days.grading_quarter,
        student_years.grade_level,
        known.behaviour_category,
        known.behaviour_severity,
        known.discipline_action,
        known.is_suspension,
        known.is_in_school_suspension,
        known.is_out_of_school_suspension,
        known.is_expulsion,
        known.is_removal_from_class,
        known.days_removed
    from known
    left join calendar_days
        on
            known.school_id = calendar_days.school_id
            and known.incident_date = calendar_days.calendar_date
    left join student_years
        on
            known.student_id = student_years.student_id
            and known.school_year = student_years.school_year
),

final as (
    select * from described
)

select * from final
