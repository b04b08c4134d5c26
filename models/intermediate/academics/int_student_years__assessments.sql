-- Grain: one row per student per school year of the student-year spine (int_student_years).
-- The year's state test results in reading (ELA) and math taken on or before the as-of
-- date, the prior year's math level and the change since (math progression), and grade-3
-- reading proficiency in the year the student was tested in grade 3. Null where the
-- student was not tested (K-2, grade 9, 11-12, absent on test day, or before the test).
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

student_years as (
    select * from {{ ref('int_student_years') }}
),

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

known as (
    select assessments.*
    from assessments
    cross join as_of
    where assessments.administration_date <= as_of.as_of_date
),

ranked as (
    select
        known.*,
        row_number() over (
            partition by known.student_id, known.school_year, known.subject_area
            order by known.administration_date desc, known.assessment_id desc
        ) as test_recency
    from known
),

latest_tests as (
    select * from ranked
    where test_recency = 1
),

pivoted as (
    select
        student_id,
        school_year,
        -- reading is the ela subject area (ELA, Reading, English, ... in seed xwalk_subjects)
        max(case when subject_area = 'ela' then grade_level end) as reading_tested_grade_level,
        max(case when subject_area = 'ela' then scale_score end) as reading_scale_score,
        max(case when subject_area = 'ela' then performance_level end)
            as reading_performance_level,
        max(
            case
                when subject_area = 'ela' and is_proficient then 1
                when subject_area = 'ela' and not is_proficient then 0
            end
        ) = 1 as is_reading_proficient,
        max(case when subject_area = 'math' then grade_level end) as math_tested_grade_level,
        max(case when subject_area = 'math' then scale_score end) as math_scale_score,
        max(case when subject_area = 'math' then performance_level end)
            as math_performance_level,
        max(
            case
                when subject_area = 'math' and is_proficient then 1
                when subject_area = 'math' and not is_proficient then 0
            end
        ) = 1 as is_math_proficient
    from latest_tests
    group by student_id, school_year
),

final as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        this_year.reading_tested_grade_level,
        this_year.reading_scale_score,
        this_year.reading_performance_level,
        this_year.is_reading_proficient,
        this_year.math_tested_grade_level,
        this_year.math_scale_score,
        this_year.math_performance_level,
        this_year.is_math_proficient,
        prior_year.math_scale_score as prior_year_math_scale_score,
        prior_year.math_performance_level as prior_year_math_performance_level,
        this_year.math_performance_level - prior_year.math_performance_level
            as math_performance_level_change,
        this_year.math_performance_level > prior_year.math_performance_level
            as is_math_level_improved,
        this_year.math_performance_level < prior_year.math_performance_level
            as is_math_level_declined,
        case
            when this_year.reading_tested_grade_level = 3 then this_year.is_reading_proficient
        end as is_grade_3_reading_proficient
    from student_years
    left join pivoted as this_year
        on
            student_years.student_id = this_year.student_id
            and student_years.school_year = this_year.school_year
    left join pivoted as prior_year
        on
            student_years.student_id = prior_year.student_id
            and student_years.school_year - 1 = prior_year.school_year
)

select * from final
