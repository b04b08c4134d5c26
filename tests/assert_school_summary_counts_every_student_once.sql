-- What: the "all students" cell of ews_school_summary counts each school's students of
-- record exactly as ews_student_year does, per year and grade band, and every grouping
-- (race/ethnicity, sex, ...) adds up to the same total.
-- Why it matters: a rate over the wrong denominator misleads a principal; a group that
-- drops students (an unknown code) hides them from equity reporting.
-- How to fix: look for a group value computed as null, or a join that duplicates rows.
with

summary as (
    select * from {{ ref('ews_school_summary') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

expected as (
    select
        school_id,
        school_year,
        grade_band,
        count(*) as students
    from student_years
    group by school_id, school_year, grade_band
),

grouped_totals as (
    select
        school_id,
        school_year,
        grade_band,
        group_type,
        sum(students) as students
    from summary
    group by school_id, school_year, grade_band, group_type
),

final as (
    select
        grouped_totals.*,
        expected.students as expected_students
    from grouped_totals
    left join expected
        on
            grouped_totals.school_id = expected.school_id
            and grouped_totals.school_year = expected.school_year
            and grouped_totals.grade_band = expected.grade_band
    where grouped_totals.students <> coalesce(expected.students, -1)
)

select * from final
