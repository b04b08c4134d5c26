-- Grain: one row per district measure per school year (district_measure, school_year):
-- the district's own counts behind each rate validation_base_rates sets beside a national
-- benchmark, as events over students, so any span of years can be pooled exactly.
-- Only complete school years (the end-of-year decision point is on or before the as-of
-- date, ml_decision_points) are counted; ACGR and the grade-3 reading measures count
-- complete cohorts (every member's on-time graduation known).
with

student_years as (
    select * from {{ ref('ews_student_year') }}
),

absence_definitions as (
    select * from {{ ref('ews_chronic_absence_by_definition') }}
),

outcomes as (
    select * from {{ ref('fct_student_outcomes') }}
),

assessments as (
    select * from {{ ref('fct_assessments') }}
),

students as (
    select * from {{ ref('dim_student') }}
),

decision_points as (
    select * from {{ ref('ml_decision_points') }}
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

-- ACGR cohorts whose outcome is known for every member, one row per member
complete_cohorts as (
    select cohort_graduation_year
    from outcomes
    where is_cohort_entry_year and is_cohort_start_observed
    group by cohort_graduation_year
    having min(case when is_on_time_graduation_known then 1 else 0 end) = 1
),

cohort_members as (
    select
        outcomes.student_id,
        outcomes.cohort_graduation_year,
        outcomes.graduated_on_time
    from outcomes
    inner join complete_cohorts
        on outcomes.cohort_graduation_year = complete_cohorts.cohort_graduation_year
    where
        outcomes.is_cohort_entry_year
        and outcomes.is_cohort_start_observed
        and not outcomes.is_removed_from_cohort
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

-- graduation rates count graduates as events; the rate is events / students
acgr_rates as (
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
),

first_grade_3_reading as (
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
    where first_grade_3_reading.test_order = 1
    union all
    select
        first_grade_3_reading.school_year,
        cohort_members.graduated_on_time,
        'not_on_time__grade_3_below_basic' as district_measure
    from first_grade_3_reading
    inner join cohort_members
        on first_grade_3_reading.student_id = cohort_members.student_id
    where
        first_grade_3_reading.test_order = 1
        and first_grade_3_reading.performance_level <= {{ var('reading_flag_performance_level') }}
),

-- not graduating on time is the event here: the rate is events / students
grade_3_reading_rates as (
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
