-- Grain: one row per student per course per school year per term (a final term mark),
-- as known on the as-of date. Marks carry no date in the SIS, so each term gets the end
-- date of the school's own calendar (see the term_end_date doc block), by the term's
-- meaning in seed xwalk_terms (never its code): the last instructional day of grading
-- quarter n for a quarter-n mark, of semester n for a semester-n mark, and the school's
-- last instructional day of the year for a summer or whole-year mark. A mark no
-- calendar of the district places (a school year the district sent no calendar for, a
-- trimester, a quarter without its number) is dated the school year's last day
-- (30 June), so a past year's marks count and the year under way's wait for its end.
-- Only marks whose term ended on or before the as-of date are kept.
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
    select * from {{ ref('int_warehouse__as_of_date') }}
),

quarter_ends as (
    select
        school_id,
        school_year,
        'quarter' as term_type,
        grading_quarter as term_number,
        max(calendar_date) as term_end_date
    from calendar_days
    where is_instructional_day and grading_quarter is not null
    group by school_id, school_year, grading_quarter
),

semester_ends as (
    select
        school_id,
        school_year,
        'semester' as term_type,
        semester as term_number,
        max(calendar_date) as term_end_date
    from calendar_days
    where is_instructional_day and semester is not null
    group by school_id, school_year, semester
),

-- summer marks (credit recovery) and whole-year marks: the year's last instructional day
year_end_terms as (
    select 'summer' as term_type
    union all
    select 'year' as term_type
),

year_ends as (
    select
        calendar_bounds.school_id,
        calendar_bounds.school_year,
        year_end_terms.term_type,
        cast(null as {{ dbt.type_int() }}) as term_number,
        calendar_bounds.last_instructional_date as term_end_date
    from calendar_bounds
    cross join year_end_terms
),

school_term_ends as (
    select * from quarter_ends
    union all
    select * from semester_ends
    union all
    select * from year_ends
),

district_term_ends as (
    select
        school_year,
        term_type,
        term_number,
        max(term_end_date) as term_end_date
    from school_term_ends
    group by school_year, term_type, term_number
),

dated as (
    select
        course_grades.student_id,
        course_grades.school_id,
        course_grades.course_code,
        course_grades.school_year,
        course_grades.term,
        course_grades.term_type,
        course_grades.term_number,
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
            and course_grades.term_type = school_term_ends.term_type
            and course_grades.term_number is not distinct from school_term_ends.term_number
    left join district_term_ends
        on
            course_grades.school_year = district_term_ends.school_year
            and course_grades.term_type = district_term_ends.term_type
            and course_grades.term_number is not distinct from district_term_ends.term_number
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
