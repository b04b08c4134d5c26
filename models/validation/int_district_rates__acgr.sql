-- Grain: one row per district measure per cohort graduation year (district_measure,
-- school_year): the four-year adjusted cohort graduation rates of complete cohorts
-- (int_cohort_members__complete_cohorts), for all members, each race/ethnicity group,
-- and members economically disadvantaged, English learners or with an IEP in any
-- high-school year (as state ACGR subgroup files count them). Graduates on time are the
-- events. Read by validation_district_rates.
-- A view: one model reads it.
{{ config(materialized='view', schema='int', access='private') }}

with

cohort_members as (
    select * from {{ ref('int_cohort_members__complete_cohorts') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

students as (
    select * from {{ ref('dim_student') }}
),

-- statuses held in any high-school year (as state ACGR subgroup files count them)
high_school_statuses as (
    select
        student_id,
        max(case when is_economically_disadvantaged then 1 else 0 end)
            as was_economically_disadvantaged,
        max(case when is_english_learner then 1 else 0 end) as was_english_learner,
        max(case when has_iep then 1 else 0 end) as had_iep
    from student_years
    where grade_band = 'high'
    group by student_id
),

cohort_groups as (
    select
        cohort_members.student_id,
        cohort_members.cohort_graduation_year,
        cohort_members.graduated_on_time,
        'acgr__all' as district_measure
    from cohort_members
    union all
    select
        cohort_members.student_id,
        cohort_members.cohort_graduation_year,
        cohort_members.graduated_on_time,
        {{ dbt.concat(["'acgr__'", 'students.race_ethnicity_reporting_group']) }}
            as district_measure
    from cohort_members
    inner join students
        on cohort_members.student_id = students.student_id
    where students.race_ethnicity_reporting_group is not null
    union all
    select
        cohort_members.student_id,
        cohort_members.cohort_graduation_year,
        cohort_members.graduated_on_time,
        'acgr__economically_disadvantaged' as district_measure
    from cohort_members
    inner join high_school_statuses
        on cohort_members.student_id = high_school_statuses.student_id
    where high_school_statuses.was_economically_disadvantaged = 1
    union all
    select
        cohort_members.student_id,
        cohort_members.cohort_graduation_year,
        cohort_members.graduated_on_time,
        'acgr__english_learner' as district_measure
    from cohort_members
    inner join high_school_statuses
        on cohort_members.student_id = high_school_statuses.student_id
    where high_school_statuses.was_english_learner = 1
    union all
    select
        cohort_members.student_id,
        cohort_members.cohort_graduation_year,
        cohort_members.graduated_on_time,
        'acgr__iep' as district_measure
    from cohort_members
    inner join high_school_statuses
        on cohort_members.student_id = high_school_statuses.student_id
    where high_school_statuses.had_iep = 1
),

final as (
    select
        district_measure,
        cohort_graduation_year as school_year,
        count(*) as students,
        cast(
            sum(case when graduated_on_time then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as events
    from cohort_groups
    group by district_measure, cohort_graduation_year
)

select * from final
