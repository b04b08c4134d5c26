-- Grain: one row per student per school year of the spine in grades 9-12
-- (student_id, school_year). Which of the college and career tables cover the
-- student-year, as of the as-of date (read by int_student_years__college_career): this
-- year's advanced courses and FAFSA (grade var fafsa_grade), any row of the table that
-- school year; advanced courses and CTE to date, a row in any year up to this one; the
-- exam, a row at the student's grade that year or at an earlier grade in an earlier year,
-- and whether the exam is on record at all up to this year. A table left out covers
-- nothing: the measures it feeds are null, never zero. The years each table was sent
-- for come from the data coverage's row counts (int_school_years__source_rows).
with

student_years as (
    select * from {{ ref('int_student_years') }}
),

exams as (
    select * from {{ ref('stg_sis__college_readiness_exams') }}
),

-- rows of each table per school-year by the as-of date, counted once for the data
-- coverage (advanced courses and CTE by school year, the exam and FAFSA by their date)
source_rows as (
    select * from {{ ref('int_school_years__source_rows') }}
),

as_of as (
    select
        as_of_date,
        {{ school_year_of('as_of_date') }} as as_of_school_year
    from {{ ref('int_warehouse__as_of_date') }}
),

high as (
    select * from student_years
    where grade_band = 'high'
),

exams_known as (
    select exams.*
    from exams
    cross join as_of
    where exams.administration_date <= as_of.as_of_date
),

advanced_years as (
    select distinct school_year from source_rows
    where source_name = 'advanced_coursework'
),

-- a high-school student-year and whether the table covers it, or any year up to it
advanced_coverage as (
    select
        high.student_id,
        high.school_year,
        max(case when advanced_years.school_year = high.school_year then 1 else 0 end)
            as is_this_year,
        count(advanced_years.school_year) as years_to_date
    from high
    left join advanced_years
        on high.school_year >= advanced_years.school_year
    group by high.student_id, high.school_year
),

exam_grades as (
    select distinct
        school_year,
        grade_level
    from exams_known
),

cte_years as (
    select distinct school_year from source_rows
    where source_name = 'cte_participation'
),

cte_coverage as (
    select
        high.student_id,
        high.school_year,
        count(cte_years.school_year) as years_to_date
    from high
    left join cte_years
        on high.school_year >= cte_years.school_year
    group by high.student_id, high.school_year
),

-- the district's exam is on record for some year up to this one (at any grade)
exam_years as (
    select distinct school_year from source_rows
    where source_name = 'college_readiness_exams'
),

exam_record as (
    select
        high.student_id,
        high.school_year,
        count(exam_years.school_year) as years_to_date
    from high
    left join exam_years
        on high.school_year >= exam_years.school_year
    group by high.student_id, high.school_year
),

-- the exam covers a student-year when the district tested the student's grade that
-- year, or an earlier grade in an earlier year (the student's chance came then)
exam_coverage as (
    select
        high.student_id,
        high.school_year,
        count(exam_grades.school_year) as grade_years_covered
    from high
    inner join exam_grades
        on
            (
                high.school_year = exam_grades.school_year
                and high.grade_level = exam_grades.grade_level
            )
            or (
                high.school_year > exam_grades.school_year
                and high.grade_level > exam_grades.grade_level
            )
    group by high.student_id, high.school_year
),

fafsa_years as (
    select distinct school_year from source_rows
    where source_name = 'fafsa_completions'
),

final as (
    select
        high.student_id,
        high.school_year,
        advanced_coverage.is_this_year = 1 as is_advanced_coursework_covered,
        advanced_coverage.years_to_date > 0 as is_advanced_coursework_on_record,
        exam_coverage.student_id is not null as is_exam_grade_covered,
        exam_record.years_to_date > 0 as is_readiness_exam_on_record,
        cte_coverage.years_to_date > 0 as is_cte_on_record,
        fafsa_years.school_year is not null
        and high.grade_level = {{ var('fafsa_grade') }} as is_fafsa_covered
    from high
    left join advanced_coverage
        on
            high.student_id = advanced_coverage.student_id
            and high.school_year = advanced_coverage.school_year
    left join exam_coverage
        on
            high.student_id = exam_coverage.student_id
            and high.school_year = exam_coverage.school_year
    left join exam_record
        on
            high.student_id = exam_record.student_id
            and high.school_year = exam_record.school_year
    left join cte_coverage
        on
            high.student_id = cte_coverage.student_id
            and high.school_year = cte_coverage.school_year
    left join fafsa_years
        on high.school_year = fafsa_years.school_year
)

select * from final
