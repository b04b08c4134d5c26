-- Grain: one row per student with a grade-3 reading result (student_id): the student's
-- first state reading/ELA result taken in grade 3 that says proficient or not (the
-- earliest administration; the earlier school year on a tie). The grade-3 reading of
-- validation_district_rates and validation_flag_accuracy.
-- A view: two models read it.
{{ config(materialized='view', schema='int', access='private') }}

with

assessments as (
    select * from {{ ref('fct_assessments') }}
),

ranked_grade_3_reading as (
    select
        student_id,
        school_year,
        performance_level,
        is_proficient,
        row_number() over (
            partition by student_id order by administration_date, school_year
        ) as test_order
    from assessments
    where tested_grade_level = 3 and subject_area = 'ela' and is_proficient is not null
),

final as (
    select
        student_id,
        school_year,
        performance_level,
        is_proficient
    from ranked_grade_3_reading
    where test_order = 1
)

select * from final
