-- Grain: one row per student per school year per term with at least one mark known on the
-- as-of date (terms Q1-Q4, S1-S2 and the summer term SU). Core courses graded and failed
-- (doc block core_failure_rule), the term's GPA (doc block gpa_rule) and credits. A
-- student graded at two schools in the same term has one row, with both schools' marks.
with

course_grades as (
    select * from {{ ref('int_course_grades__dated') }}
),

courses as (
    select * from {{ ref('stg_sis__courses') }}
),

graded as (
    select
        course_grades.student_id,
        course_grades.school_year,
        course_grades.term,
        course_grades.term_type,
        course_grades.term_end_date,
        course_grades.school_id,
        coalesce(courses.is_core, false) as is_core_course,
        coalesce(course_grades.is_failing, false) as is_failing,
        coalesce(course_grades.is_counted_in_gpa, false) as is_counted_in_gpa,
        course_grades.grading_scale,
        course_grades.grade_points,
        coalesce(course_grades.credits_attempted, 0) as credits_attempted,
        coalesce(course_grades.credits_earned, 0) as credits_earned
    from course_grades
    left join courses
        on course_grades.course_code = courses.course_code
),

aggregated as (
    select
        student_id,
        school_year,
        term,
        term_type,
        max(term_end_date) as term_end_date,
        count(distinct school_id) as schools_graded,
        count(*) as courses_graded,
        count(case when is_core_course then 1 end) as core_courses_graded,
        count(case when is_core_course and is_failing then 1 end) as core_failures,
        count(case when is_failing then 1 end) as course_failures,
        count(case when grading_scale = 'standards' then 1 end) as standards_based_marks,
        count(case when is_counted_in_gpa then 1 end) as courses_in_gpa,
        sum(case when is_counted_in_gpa then grade_points end) as total_grade_points,
        sum(credits_attempted) as credits_attempted,
        sum(credits_earned) as credits_earned
    from graded
    group by student_id, school_year, term, term_type
),

final as (
    select
        student_id,
        school_year,
        term,
        term_type,
        term_type in ('quarter', 'semester') as is_regular_term,
        term_end_date,
        schools_graded,
        courses_graded,
        core_courses_graded,
        core_failures,
        core_failures > 0 as has_core_failure,
        course_failures,
        standards_based_marks,
        courses_in_gpa,
        total_grade_points,
        case
            when courses_in_gpa > 0
                then cast(total_grade_points as {{ type_double() }}) / courses_in_gpa
        end as term_gpa,
        credits_attempted,
        credits_earned
    from aggregated
)

select * from final
