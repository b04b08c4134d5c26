-- Grain: one row per student per school year per start quarter (student_id, school_year,
-- start_quarter), the rows of int_student_quarters__enrolled_at_start. What the school
-- had on record before the quarter's first day at the student's school: the core
-- failures of this year's latest regular term that had ended (quarters in K-5, semesters
-- in 6-12, dated by the term's end at the school), this year's incidents, and service
-- spells started this year and in earlier years. Null where there were none (the service
-- risk sets, ml_service_risk_sets, read null as none).
-- A view: read by its one or two neighbours, cheap to compute.
{{ config(materialized='view', schema='int', access='private') }}

with

decisions as (
    select * from {{ ref('int_student_quarters__enrolled_at_start') }}
),

course_grades as (
    select * from {{ ref('fct_course_grades') }}
),

discipline as (
    select * from {{ ref('fct_discipline') }}
),

program_services as (
    select * from {{ ref('fct_program_services') }}
),

term_failures as (
    select
        student_id,
        school_year,
        term,
        max(term_end_date) as term_end_date,
        count(case when is_core_course then 1 end) as core_marks,
        count(case when is_core_failure then 1 end) as core_failures
    from course_grades
    where is_regular_term
    group by student_id, school_year, term
),

-- This year's latest term that had ended before the quarter began.
latest_term_this_year as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        term_failures.core_failures,
        row_number() over (
            partition by decisions.student_id, decisions.school_year, decisions.start_quarter
            order by term_failures.term_end_date desc, term_failures.term desc
        ) as term_rank
    from decisions
    inner join term_failures
        on
            decisions.student_id = term_failures.student_id
            and decisions.school_year = term_failures.school_year
            and decisions.quarter_start_date > term_failures.term_end_date
    where term_failures.core_marks > 0
),

incidents_before_quarter as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        count(*) as incidents
    from decisions
    inner join discipline
        on
            decisions.student_id = discipline.student_id
            and decisions.school_year = discipline.school_year
            and decisions.quarter_start_date > discipline.incident_date
    group by decisions.student_id, decisions.school_year, decisions.start_quarter
),

services_before_quarter as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        count(
            case when program_services.school_year = decisions.school_year then 1 end
        ) as service_spells_this_year,
        count(
            case when program_services.school_year < decisions.school_year then 1 end
        ) as service_spells_before_this_year
    from decisions
    inner join program_services
        on
            decisions.student_id = program_services.student_id
            and decisions.quarter_start_date > program_services.start_date
    group by decisions.student_id, decisions.school_year, decisions.start_quarter
),

final as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        latest_term_this_year.core_failures as latest_term_core_failures,
        incidents_before_quarter.incidents,
        services_before_quarter.service_spells_this_year,
        services_before_quarter.service_spells_before_this_year
    from decisions
    left join latest_term_this_year
        on
            decisions.student_id = latest_term_this_year.student_id
            and decisions.school_year = latest_term_this_year.school_year
            and decisions.start_quarter = latest_term_this_year.start_quarter
            and latest_term_this_year.term_rank = 1
    left join incidents_before_quarter
        on
            decisions.student_id = incidents_before_quarter.student_id
            and decisions.school_year = incidents_before_quarter.school_year
            and decisions.start_quarter = incidents_before_quarter.start_quarter
    left join services_before_quarter
        on
            decisions.student_id = services_before_quarter.student_id
            and decisions.school_year = services_before_quarter.school_year
            and decisions.start_quarter = services_before_quarter.start_quarter
)

select * from final
