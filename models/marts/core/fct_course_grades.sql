-- Grain: one row per student per course per school year per term (a final term mark),
-- as known on the as-of date: marks whose term ended on or before it (term end dates from
-- each school's calendar; see int_course_grades__dated). With the course's subject, core
-- flag and level, and the student's grade level that year, for BI tools.
-- A view over int_course_grades__dated with course attributes: the 1.8M marks are
-- not written twice.
{{ config(materialized='view') }}

with

course_grades as (
    select * from {{ ref('int_course_grades__dated') }}
),

courses as (
    select * from {{ ref('stg_sis__courses') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
),

described as (
    select
        course_grades.student_id,
        course_grades.school_id,
        course_grades.course_code,
        course_grades.school_year,
        course_grades.term,
        course_grades.term_type,
        course_grades.term_number,
        course_grades.term_type in ('quarter', 'semester') as is_regular_term,
        course_grades.term_end_date,
        student_years.grade_level,
        courses.course_title,
        courses.subject,
        courses.subject_area,
        courses.is_core as is_core_course,
        courses.is_core_subject,
        courses.credits as course_credits,
        courses.school_level as course_school_level,
        courses.grade_band as course_grade_band,
        courses.grade_level as course_grade_level,
        course_grades.letter_grade,
        course_grades.grading_scale,
        course_grades.grade_points,
        course_grades.is_failing,
        course_grades.is_passing,
        course_grades.is_counted_in_gpa,
        coalesce(courses.is_core, false) and coalesce(course_grades.is_failing, false)
            as is_core_failure,
        course_grades.numeric_grade,
        course_grades.credits_attempted,
        course_grades.credits_earned
    from course_grades
    left join courses
        on course_grades.course_code = courses.course_code
    left join student_years
        on
            course_grades.student_id = student_years.student_id
            and course_grades.school_year = student_years.school_year
),

final as (
    select * from described
)

select * from final
