-- Grain: one row per student per school year of the spine in grades 9-12
-- (student_id, school_year). College and career measures as of the as-of date, this
-- year and to date (every year up to this one on record in the district): advanced
-- courses (AP, IB, dual enrollment) taken and with college credit earned, the best
-- college-readiness exam section scores and whether each publisher benchmark was met,
-- CTE credits and concentrator status (Perkins V), and FAFSA submission and completion
-- in grade var fafsa_grade. Known only where the table covers the year
-- (int_student_years__college_career_coverage): this year's
-- advanced courses and FAFSA, any row of the table that school year by the as-of date;
-- advanced courses and CTE to date, a row in any year up to this one (what is on
-- record); the exam, a row at the student's grade that year or at an earlier grade in
-- an earlier year, or an exam of the student's own. A table left out, or a year or
-- grade it does not cover, gives null, never zero.
with

student_years as (
    select * from {{ ref('int_student_years') }}
),

advanced as (
    select * from {{ ref('stg_sis__advanced_coursework') }}
),

exams as (
    select * from {{ ref('stg_sis__college_readiness_exams') }}
),

cte as (
    select * from {{ ref('stg_sis__cte_participation') }}
),

fafsa as (
    select * from {{ ref('stg_sis__fafsa_completions') }}
),

coverage as (
    select * from {{ ref('int_student_years__college_career_coverage') }}
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

advanced_known as (
    select advanced.*
    from advanced
    cross join as_of
    where advanced.school_year <= as_of.as_of_school_year
),

exams_known as (
    select exams.*
    from exams
    cross join as_of
    where exams.administration_date <= as_of.as_of_date
),

cte_known as (
    select cte.*
    from cte
    cross join as_of
    where cte.school_year <= as_of.as_of_school_year
),

fafsa_known as (
    select fafsa.*
    from fafsa
    cross join as_of
    where fafsa.submitted_date <= as_of.as_of_date
),

advanced_to_date as (
    select
        high.student_id,
        high.school_year,
        count(*) as advanced_courses_to_date,
        cast(
            sum(case when advanced_known.school_year = high.school_year then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as advanced_courses_this_year,
        cast(
            sum(case when advanced_known.earned_college_credit then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as college_credit_courses_to_date
    from high
    inner join advanced_known
        on
            high.student_id = advanced_known.student_id
            and high.school_year >= advanced_known.school_year
    group by high.student_id, high.school_year
),

exams_to_date as (
    select
        high.student_id,
        high.school_year,
        count(*) as readiness_exams_to_date,
        max(exams_known.total_score) as best_exam_total_score,
        max(exams_known.reading_writing_score) as best_exam_reading_writing_score,
        max(exams_known.math_score) as best_exam_math_score,
        max(case when exams_known.meets_reading_writing_benchmark then 1 else 0 end)
            as met_reading_writing,
        max(case when exams_known.meets_math_benchmark then 1 else 0 end) as met_math
    from high
    inner join exams_known
        on
            high.student_id = exams_known.student_id
            and high.school_year >= exams_known.school_year
    group by high.student_id, high.school_year
),

cte_to_date as (
    select
        high.student_id,
        high.school_year,
        cast(sum(cte_known.credits_earned) as {{ type_double() }}) as cte_credits_to_date,
        max(case when cte_known.is_concentrator then 1 else 0 end) as was_concentrator
    from high
    inner join cte_known
        on
            high.student_id = cte_known.student_id
            and high.school_year >= cte_known.school_year
    group by high.student_id, high.school_year
),

fafsa_this_year as (
    select
        fafsa_known.student_id,
        fafsa_known.school_year,
        min(fafsa_known.submitted_date) as fafsa_submitted_date,
        min(
            case
                when fafsa_known.completed_date <= as_of.as_of_date
                    then fafsa_known.completed_date
            end
        ) as fafsa_completed_date
    from fafsa_known
    cross join as_of
    group by fafsa_known.student_id, fafsa_known.school_year
),

joined as (
    select
        high.student_id,
        high.school_year,
        high.grade_level,
        coverage.is_advanced_coursework_covered,
        coverage.is_advanced_coursework_on_record,
        coverage.is_exam_grade_covered
        or exams_to_date.student_id is not null as is_readiness_exam_covered,
        coverage.is_readiness_exam_on_record,
        coverage.is_cte_on_record,
        coverage.is_fafsa_covered,
        advanced_to_date.advanced_courses_this_year,
        advanced_to_date.advanced_courses_to_date,
        advanced_to_date.college_credit_courses_to_date,
        exams_to_date.readiness_exams_to_date,
        exams_to_date.best_exam_total_score,
        exams_to_date.best_exam_reading_writing_score,
        exams_to_date.best_exam_math_score,
        exams_to_date.met_reading_writing,
        exams_to_date.met_math,
        cte_to_date.cte_credits_to_date,
        cte_to_date.was_concentrator,
        fafsa_this_year.fafsa_submitted_date,
        fafsa_this_year.fafsa_completed_date
    from high
    left join coverage
        on
            high.student_id = coverage.student_id
            and high.school_year = coverage.school_year
    left join advanced_to_date
        on
            high.student_id = advanced_to_date.student_id
            and high.school_year = advanced_to_date.school_year
    left join exams_to_date
        on
            high.student_id = exams_to_date.student_id
            and high.school_year = exams_to_date.school_year
    left join cte_to_date
        on
            high.student_id = cte_to_date.student_id
            and high.school_year = cte_to_date.school_year
    left join fafsa_this_year
        on
            high.student_id = fafsa_this_year.student_id
            and high.school_year = fafsa_this_year.school_year
),

final as (
    select
        student_id,
        school_year,
        is_advanced_coursework_covered,
        is_advanced_coursework_on_record,
        is_readiness_exam_covered,
        is_readiness_exam_on_record,
        is_cte_on_record,
        is_fafsa_covered,
        {{ if_known_bool('is_advanced_coursework_covered',
            'coalesce(advanced_courses_this_year, 0)') }} as advanced_courses_this_year,
        {{ if_known_bool('is_advanced_coursework_on_record',
            'coalesce(advanced_courses_to_date, 0)') }} as advanced_courses_to_date,
        {{ if_known_bool('is_advanced_coursework_on_record',
            'coalesce(college_credit_courses_to_date, 0)') }} as college_credit_courses_to_date,
        {{ if_known_bool('is_advanced_coursework_on_record',
            'coalesce(college_credit_courses_to_date, 0) > 0') }} as has_earned_college_credit,
        {{ if_known_bool('is_readiness_exam_covered',
            'coalesce(readiness_exams_to_date, 0)') }} as readiness_exams_to_date,
        best_exam_total_score,
        best_exam_reading_writing_score,
        best_exam_math_score,
        {{ if_known_bool('is_readiness_exam_covered',
            'coalesce(met_reading_writing, 0) = 1') }} as meets_reading_writing_benchmark,
        {{ if_known_bool('is_readiness_exam_covered',
            'coalesce(met_math, 0) = 1') }} as meets_math_benchmark,
        {{ if_known_bool('is_readiness_exam_covered',
            'coalesce(met_reading_writing, 0) = 1 and coalesce(met_math, 0) = 1') }}
            as meets_both_exam_benchmarks,
        {{ if_known_bool('is_cte_on_record',
            'coalesce(cte_credits_to_date, 0)') }} as cte_credits_to_date,
        {{ if_known_bool('is_cte_on_record',
            'coalesce(was_concentrator, 0) = 1') }} as is_cte_concentrator,
        case when is_fafsa_covered then fafsa_submitted_date end as fafsa_submitted_date,
        case when is_fafsa_covered then fafsa_completed_date end as fafsa_completed_date,
        {{ if_known_bool('is_fafsa_covered',
            'fafsa_submitted_date is not null') }} as has_submitted_fafsa,
        {{ if_known_bool('is_fafsa_covered',
            'fafsa_completed_date is not null') }} as has_completed_fafsa
    from joined
)

select * from final
