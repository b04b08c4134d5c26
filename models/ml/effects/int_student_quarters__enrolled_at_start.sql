-- Grain: one row per student per school year per start quarter (student_id, school_year,
-- start_quarter). The students enrolled on the first instructional day of grading
-- quarter 1 to 4 at their school (the latest spell when two overlap gives the school),
-- for quarters begun by the as-of date, with the decision point before the quarter
-- began (q1: the end of the previous school year; q2-4: the end of this year's previous
-- quarter). The units of the service risk sets (ml_service_risk_sets).
-- A view: read by its one or two neighbours, cheap to compute.
{{ config(materialized='view', schema='int', access='private') }}

with

enrollments as (
    select * from {{ ref('fct_enrollments') }}
),

school_quarters as (
    select * from {{ ref('int_school_quarters__dates') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('ews_student_year') }}
),

enrolled_at_quarter_start as (
    select
        enrollments.student_id,
        enrollments.school_year,
        school_quarters.grading_quarter as start_quarter,
        enrollments.school_id,
        school_quarters.quarter_start_date,
        school_quarters.quarter_end_date,
        row_number() over (
            partition by
                enrollments.student_id, enrollments.school_year, school_quarters.grading_quarter
            order by enrollments.entry_date desc, enrollments.school_id desc
        ) as spell_rank
    from enrollments
    inner join school_quarters
        on
            enrollments.school_id = school_quarters.school_id
            and enrollments.school_year = school_quarters.school_year
            and enrollments.entry_date <= school_quarters.quarter_start_date
            and (
                enrollments.exit_date is null
                or enrollments.exit_date >= school_quarters.quarter_start_date
            )
    cross join as_of
    where school_quarters.quarter_start_date <= as_of.as_of_date
),

final as (
    select
        student_id,
        school_year,
        start_quarter,
        school_id,
        quarter_start_date,
        quarter_end_date,
        case when start_quarter = 1 then school_year - 1 else school_year end
            as previous_school_year,
        case when start_quarter = 1 then 4 else start_quarter - 1 end
            as previous_decision_point_order
    from enrolled_at_quarter_start
    where spell_rank = 1
)

select * from final
