-- Grain: one row per district measure per school year of the grade-3 reading test
-- (district_measure, school_year): of the complete ACGR cohorts' members
-- (int_cohort_members__complete_cohorts) by their first grade-3 reading result
-- (int_students__first_grade_3_reading: proficient, not proficient, below basic at var
-- reading_flag_performance_level or lower), how many did not graduate on time (the
-- events). Read by validation_district_rates.
-- A view: one model reads it.
{{ config(materialized='view', schema='int', access='private') }}

with

cohort_members as (
    select * from {{ ref('int_cohort_members__complete_cohorts') }}
),

first_grade_3_reading as (
    select * from {{ ref('int_students__first_grade_3_reading') }}
),

grade_3_readers as (
    select
        first_grade_3_reading.school_year,
        cohort_members.graduated_on_time,
        case
            when first_grade_3_reading.is_proficient
                then 'not_on_time__grade_3_proficient'
            else 'not_on_time__grade_3_not_proficient'
        end as district_measure
    from first_grade_3_reading
    inner join cohort_members
        on first_grade_3_reading.student_id = cohort_members.student_id
    union all
    select
        first_grade_3_reading.school_year,
        cohort_members.graduated_on_time,
        'not_on_time__grade_3_below_basic' as district_measure
    from first_grade_3_reading
    inner join cohort_members
        on first_grade_3_reading.student_id = cohort_members.student_id
    where first_grade_3_reading.performance_level <= {{ var('reading_flag_performance_level') }}
),

final as (
    select
        district_measure,
        school_year,
        count(*) as students,
        cast(
            sum(case when graduated_on_time then 0 else 1 end)
            as {{ dbt.type_bigint() }}
        ) as events
    from grade_3_readers
    group by district_measure, school_year
)

select * from final
