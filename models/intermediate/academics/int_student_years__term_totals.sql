-- Grain: one row per student per school year with a graded term
-- (int_student_terms__course_performance), as of the as-of date. The year's term marks
-- added up: regular terms (quarters, semesters) for the terms graded, core failures
-- (doc block core_failure_rule) and GPA points; every term, the summer term SU included,
-- for credits; and the latest regular term with its core failures (null without core
-- marks in it). Null where the year has no regular term. Read by
-- int_student_years__course_performance.
-- A view: one model reads it.
{{ config(materialized='view') }}

with

student_terms as (
    select * from {{ ref('int_student_terms__course_performance') }}
),

regular_term_totals as (
    select
        student_id,
        school_year,
        count(*) as terms_graded,
        count(case when term_type = 'semester' then 1 end) as semesters_graded,
        cast(sum(core_courses_graded) as {{ dbt.type_int() }}) as core_courses_graded,
        cast(sum(core_failures) as {{ dbt.type_int() }}) as core_failures,
        cast(sum(case when term_type = 'semester' then core_failures end) as {{ dbt.type_int() }})
            as core_semester_failures,
        cast(sum(courses_in_gpa) as {{ dbt.type_int() }}) as courses_in_gpa,
        sum(total_grade_points) as total_grade_points
    from student_terms
    where is_regular_term
    group by student_id, school_year
),

credit_totals as (
    select
        student_id,
        school_year,
        sum(credits_attempted) as credits_attempted,
        sum(credits_earned) as credits_earned,
        sum(case when not is_regular_term then credits_earned else 0 end)
            as summer_credits_earned,
        max(case when not is_regular_term then 1 else 0 end) = 1 as has_summer_term
    from student_terms
    group by student_id, school_year
),

ranked_terms as (
    select
        student_id,
        school_year,
        term,
        term_end_date,
        core_courses_graded,
        core_failures,
        row_number() over (
            partition by student_id, school_year
            order by term_end_date desc, term desc
        ) as term_recency
    from student_terms
    where is_regular_term
),

latest_terms as (
    select
        student_id,
        school_year,
        term as latest_term,
        term_end_date as latest_term_end_date,
        case when core_courses_graded > 0 then core_failures end as latest_term_core_failures
    from ranked_terms
    where term_recency = 1
),

final as (
    select
        credit_totals.student_id,
        credit_totals.school_year,
        regular_term_totals.terms_graded,
        regular_term_totals.semesters_graded,
        regular_term_totals.core_courses_graded,
        regular_term_totals.core_failures,
        regular_term_totals.core_semester_failures,
        regular_term_totals.courses_in_gpa,
        regular_term_totals.total_grade_points,
        credit_totals.credits_attempted,
        credit_totals.credits_earned,
        credit_totals.summer_credits_earned,
        credit_totals.has_summer_term,
        latest_terms.latest_term,
        latest_terms.latest_term_end_date,
        latest_terms.latest_term_core_failures
    from credit_totals
    left join regular_term_totals
        on
            credit_totals.student_id = regular_term_totals.student_id
            and credit_totals.school_year = regular_term_totals.school_year
    left join latest_terms
        on
            credit_totals.student_id = latest_terms.student_id
            and credit_totals.school_year = latest_terms.school_year
)

select * from final
