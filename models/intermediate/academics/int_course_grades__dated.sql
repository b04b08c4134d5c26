-- Grain: one row per student per course per school year per term (a final term mark),
-- as known on the as-of date. Marks carry no date in the SIS, so each term gets the end
-- date of the school's own calendar (see the term_end_date doc block): the last
-- instructional day of grading quarter n for Qn, of semester n for Sn, and the school's
-- last instructional day of the year for the summer term SU. Only marks whose term ended
-- on or before the as-of date are kept. A school year the district sent no calendar for
-- has no term ends: its marks are dated the school year's last day (30 June), so a past
-- year's marks count and the year under way's wait for its end.
with

course_grades as (
    select * from {{ ref('stg_sis__course_grades') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

quarter_ends as (
    select
        school_id,
        school_year,
        {{ dbt.concat(["'Q'", "cast(grading_quarter as " ~ dbt.type_string() ~ ")"]) }} as term,
        max(calendar_date) as term_end_date
    from calendar_days
    where is_instructional_day and grading_quarter is not null
    group by school_id, school_year, grading_quarter
),

semester_ends as (
    select
        school_id,
        school_year,
        {{ dbt.concat(["'S'", "cast(semester as " ~ dbt.type_string() ~ ")"]) }} as term,
        max(calendar_date) as term_end_date
    from calendar_days
    where is_instructional_day and semester is not null
    group by school_id, school_year, semester
),

summer_ends as (
    select
        school_id,
        school_year,
        'SU' as term,
        last_instructional_date as term_end_date
    from calendar_bounds
),

school_term_ends as (
    select * from quarter_ends
    union all
    select * from semester_ends
    union all
    select * from summer_ends
),

district_term_ends as (
    select
        school_year,
        term,
        max(term_end_date) as term_end_date
    from school_term_ends
    group by school_year, term
),

dated as (
    select
        course_grades.student_id,
        course_grades.school_id,
        course_grades.course_code,
        course_grades.school_year,
        course_grades.term,
        course_grades.term_type,
        coalesce(
            school_term_ends.term_end_date,
            district_term_ends.term_end_date,
            {{ school_year_last_day('course_grades.school_year') }}
        ) as term_end_date,
        school_term_ends.term_end_date is null as is_term_end_date_from_district,
        course_grades.letter_grade,
        course_grades.grading_scale,
        course_grades.grade_points,
        course_grades.is_failing,
        course_grades.is_passing,
        course_grades.is_counted_in_gpa,
        course_grades.numeric_grade,
        course_grades.credits_attempted,
        course_grades.credits_earned
    from course_grades
    left join school_term_ends
        on
            course_grades.school_id = school_term_ends.school_id
            and course_grades.school_year = school_term_ends.school_year
            and course_grades.term = school_term_ends.term
    left join district_term_ends
        on
            course_grades.school_year = district_term_ends.school_year
            and course_grades.term = district_term_ends.term
),

known as (
    select dated.*
    from dated
    cross join as_of
    where dated.term_end_date <= as_of.as_of_date
),

final as (
    select * from known
)

select * from final
