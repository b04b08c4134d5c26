-- Grain: one row per student per test per school year (student_id, assessment_id,
-- school_year): state assessment results in reading/ELA and math taken on or before the
-- as-of date, with the student's enrolled grade level that year beside the grade tested.
with

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
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

described as (
    select
        known.student_id,
        known.school_id,
        known.assessment_id,
        known.school_year,
        known.administration_date,
        known.subject,
        known.subject_area,
        known.grade_level as tested_grade_level,
        student_years.grade_level,
        known.scale_score,
        known.performance_level,
        known.performance_level_description,
        known.is_proficient
    from known
    left join student_years
        on
            known.student_id = student_years.student_id
            and known.school_year = student_years.school_year
),

final as (
    select * from described
)

select * from final
