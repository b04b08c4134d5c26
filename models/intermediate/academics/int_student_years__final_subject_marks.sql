-- Grain: one row per student per school year with a quarter or semester mark in a math or
-- English language arts course, as of the as-of date. Whether the final mark of the year
-- so far in each subject, the subject's latest term, failed (doc block
-- final_subject_mark_rule); null for a subject without such a mark. Read by
-- int_student_years__course_performance.
-- A view: one model reads it.
{{ config(materialized='view') }}

with

course_grades as (
    select * from {{ ref('int_course_grades__dated') }}
),

courses as (
    select * from {{ ref('stg_sis__courses') }}
),

subject_terms as (
    select
        course_grades.student_id,
        course_grades.school_year,
        courses.subject_area,
        course_grades.term,
        max(course_grades.term_end_date) as term_end_date,
        max(case when course_grades.is_failing then 1 else 0 end) as has_failing_mark
    from course_grades
    inner join courses
        on course_grades.course_code = courses.course_code
    where
        course_grades.term_type in ('quarter', 'semester')
        and courses.subject_area in ('math', 'ela')
    group by
        course_grades.student_id,
        course_grades.school_year,
        courses.subject_area,
        course_grades.term
),

ranked_subject_terms as (
    select
        subject_terms.*,
        row_number() over (
            partition by
                subject_terms.student_id, subject_terms.school_year, subject_terms.subject_area
            order by subject_terms.term_end_date desc, subject_terms.term desc
        ) as term_recency
    from subject_terms
),

final as (
    select
        student_id,
        school_year,
        max(case when subject_area = 'math' then has_failing_mark end) = 1
            as has_failing_math_mark,
        max(case when subject_area = 'ela' then has_failing_mark end) = 1
            as has_failing_ela_mark
    from ranked_subject_terms
    where term_recency = 1
    group by student_id, school_year
)

select * from final
