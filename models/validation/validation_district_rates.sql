-- Grain: one row per district measure per school year (district_measure, school_year):
-- the district's own counts behind each rate validation_base_rates sets beside a national
-- benchmark, as events over students, so any span of years can be pooled exactly.
-- Only complete school years (the end-of-year decision point is on or before the as-of
-- date, ml_decision_points) are counted; ACGR and the grade-3 reading measures count
-- complete cohorts (every member's on-time graduation known): int_district_rates__acgr
-- and int_district_rates__grade_3_reading.
with

student_years as (
    select * from {{ ref('ews_student_year') }}
),

absence_definitions as (
    select * from {{ ref('ews_chronic_absence_by_definition') }}
),

assessments as (
    select * from {{ ref('fct_assessments') }}
),

decision_points as (
    select * from {{ ref('ml_decision_points') }}
),

acgr_rates as (
    select * from {{ ref('int_district_rates__acgr') }}
),

grade_3_reading_rates as (
    select * from {{ ref('int_district_rates__grade_3_reading') }}
),

complete_years as (
    select school_year
    from decision_points
    where decision_point = 'eoy' and is_complete
),

complete_student_years as (
    select student_years.*
    from student_years
    inner join complete_years
        on student_years.school_year = complete_years.school_year
),

chronic_absence as (
    select
        absence_definitions.school_year,
        absence_definitions.definition_id,
        absence_definitions.grade_band,
        absence_definitions.is_chronically_absent
    from absence_definitions
    inner join complete_years
        on absence_definitions.school_year = complete_years.school_year
    where absence_definitions.is_rated
),

chronic_absence_rates as (
    select
        {{ dbt.concat(["'chronic_absence__'", 'definition_id', "'__all'"]) }} as district_measure,
        school_year,
        count(*) as students,
        cast(
            sum(case when is_chronically_absent then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as events
    from chronic_absence
    group by definition_id, school_year
    union all
    select
        {{ dbt.concat(["'chronic_absence__'", 'definition_id', "'__'", 'grade_band']) }}
            as district_measure,
        school_year,
        count(*) as students,
        cast(
            sum(case when is_chronically_absent then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as events
    from chronic_absence
    group by definition_id, grade_band, school_year
),

-- student-year shares: one measure per flag, over every student-year of a complete year
share_flags as (
    select
        school_year,
        'share__english_learner' as district_measure,
        is_english_learner as is_event
    from complete_student_years
    union all
    select
        school_year,
        'share__iep' as district_measure,
        has_iep as is_event
    from complete_student_years
    union all
    select
        school_year,
        'share__economically_disadvantaged' as district_measure,
        is_economically_disadvantaged as is_event
    from complete_student_years
    union all
    select
        school_year,
        'oss__all' as district_measure,
        out_of_school_suspensions > 0 as is_event
    from complete_student_years
    union all
    select
        school_year,
        'oss__black' as district_measure,
        out_of_school_suspensions > 0 as is_event
    from complete_student_years
    where race_ethnicity_reporting_group = 'black'
    union all
    select
        school_year,
        'expulsion__all' as district_measure,
        expulsions > 0 as is_event
    from complete_student_years
),

share_rates as (
    select
        district_measure,
        school_year,
        count(*) as students,
        cast(sum(case when is_event then 1 else 0 end) as {{ dbt.type_bigint() }}) as events
    from share_flags
    where is_event is not null
    group by district_measure, school_year
),

proficiency_rates as (
    select
        {{ dbt.concat([
            "'proficient__'",
            'assessments.subject',
            "'__'",
            dbt.cast('assessments.tested_grade_level', dbt.type_string())
        ]) }} as district_measure,
        assessments.school_year,
        count(*) as students,
        cast(
            sum(case when assessments.is_proficient then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as events
    from assessments
    inner join complete_years
        on assessments.school_year = complete_years.school_year
    where assessments.is_proficient is not null
    group by assessments.subject, assessments.tested_grade_level, assessments.school_year
),

final as (
    select * from chronic_absence_rates
    union all
    select * from share_rates
    union all
    select * from proficiency_rates
    union all
    select * from acgr_rates
    union all
    select * from grade_3_reading_rates
)

select
    district_measure,
    school_year,
    students,
    events,
    cast(events as {{ type_double() }}) / students as rate
from final
