-- Grain: one row per student per school year of the student-year spine (int_student_years).
-- Behaviour incidents dated on or before the as-of date, counted per student and year:
-- incidents, in-school and out-of-school suspensions, expulsions, days removed, and
-- incidents per grading quarter of the school's calendar. A student-year without an
-- incident has zeros (no incident recorded while enrolled); where the district sent no
-- discipline records for the year (int_student_years__data_coverage) every count and
-- flag is null: unknown, not zero.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

coverage as (
    select * from {{ ref('int_student_years__data_coverage') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
),

discipline_incidents as (
    select * from {{ ref('stg_sis__discipline_incidents') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

known as (
    select
        discipline_incidents.student_id,
        discipline_incidents.school_year,
        discipline_incidents.incident_id,
        discipline_incidents.incident_date,
        calendar_days.grading_quarter,
        discipline_incidents.behaviour_severity,
        coalesce(discipline_incidents.is_suspension, false) as is_suspension,
        coalesce(discipline_incidents.is_in_school_suspension, false)
            as is_in_school_suspension,
        coalesce(discipline_incidents.is_out_of_school_suspension, false)
            as is_out_of_school_suspension,
        coalesce(discipline_incidents.is_expulsion, false) as is_expulsion,
        coalesce(discipline_incidents.days_removed, 0) as days_removed
    from discipline_incidents
    cross join as_of
    left join calendar_days
        on
            discipline_incidents.school_id = calendar_days.school_id
            and discipline_incidents.incident_date = calendar_days.calendar_date
    where discipline_incidents.incident_date <= as_of.as_of_date
),

counted as (
    select
        student_id,
        school_year,
        count(*) as incidents,
        count(case when is_suspension then 1 end) as suspensions,
        count(case when is_in_school_suspension then 1 end) as in_school_suspensions,
        count(case when is_out_of_school_suspension then 1 end)
            as out_of_school_suspensions,
        count(case when is_expulsion then 1 end) as expulsions,
        sum(days_removed) as days_removed,
        sum(case when is_out_of_school_suspension then days_removed else 0 end)
            as out_of_school_suspension_days,
        max(behaviour_severity) as highest_behaviour_severity,
        max(incident_date) as latest_incident_date,
        count(case when grading_quarter = 1 then 1 end) as incidents_quarter_1,
        count(case when grading_quarter = 2 then 1 end) as incidents_quarter_2,
        count(case when grading_quarter = 3 then 1 end) as incidents_quarter_3,
        count(case when grading_quarter = 4 then 1 end) as incidents_quarter_4
    from known
    group by student_id, school_year
),

final as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        {%- for column, expression in [
            ('incidents', 'coalesce(counted.incidents, 0)'),
            ('suspensions', 'coalesce(counted.suspensions, 0)'),
            ('in_school_suspensions', 'coalesce(counted.in_school_suspensions, 0)'),
            ('out_of_school_suspensions', 'coalesce(counted.out_of_school_suspensions, 0)'),
            ('expulsions', 'coalesce(counted.expulsions, 0)'),
            ('days_removed', 'coalesce(counted.days_removed, 0)'),
            (
                'out_of_school_suspension_days',
                'coalesce(counted.out_of_school_suspension_days, 0)'
            ),
            ('has_incident', 'coalesce(counted.incidents, 0) > 0'),
            ('has_in_school_suspension', 'coalesce(counted.in_school_suspensions, 0) > 0'),
            (
                'has_out_of_school_suspension',
                'coalesce(counted.out_of_school_suspensions, 0) > 0'
            ),
            ('has_expulsion', 'coalesce(counted.expulsions, 0) > 0'),
            ('incidents_quarter_1', 'coalesce(counted.incidents_quarter_1, 0)'),
            ('incidents_quarter_2', 'coalesce(counted.incidents_quarter_2, 0)'),
            ('incidents_quarter_3', 'coalesce(counted.incidents_quarter_3, 0)'),
            ('incidents_quarter_4', 'coalesce(counted.incidents_quarter_4, 0)'),
        ] %}
            {{ if_known('coverage.behaviour_data_status', expression) }} as {{ column }},
        {%- endfor %}
        counted.highest_behaviour_severity,
        counted.latest_incident_date,
        coverage.behaviour_data_status
    from student_years
    left join coverage
        on
            student_years.student_id = coverage.student_id
            and student_years.school_year = coverage.school_year
    left join counted
        on
            student_years.student_id = counted.student_id
            and student_years.school_year = counted.school_year
)

select * from final
