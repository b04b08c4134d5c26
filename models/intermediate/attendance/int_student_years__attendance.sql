-- Grain: one row per student per school year (student_id, school_year), for every
-- student-year of the spine int_student_years. Counts are summed over all the schools
-- the student attended that year, so a student who changes schools has one year-long
-- rate (it does not restart at the new school); each school's own days are in
-- int_student_school_years__attendance. A student-year with no counted day has zero days
-- enrolled, null rates and is not rated for chronic absence. Where attendance is
-- unknown (no calendar or no attendance records at one of the student's schools that
-- year: int_student_years__data_coverage) every count, rate and flag is null, never
-- zero or "not chronically absent".
-- Chronic absence uses the default definition, var('chronic_absence_definition'), with
-- its threshold and minimum enrolled days from seed ews_chronic_absence_definitions
-- (a blank cell falls back to vars chronic_absence_threshold and
-- chronic_absence_min_enrolled_days). Trend and prior-year rules: doc block
-- attendance_student_year_measures.
-- A table: small, and read by several marts.
{{ config(materialized='table') }}

{%- set trend_min_days = var('attendance_trend_min_quarter_days', 10) %}

with

student_years as (
    select * from {{ ref('int_student_years') }}
),

school_year_attendance as (
    select * from {{ ref('int_student_school_years__attendance') }}
),

coverage as (
    select * from {{ ref('int_student_years__data_coverage') }}
),

chronic_absence_definitions as (
    select * from {{ ref('ews_chronic_absence_definitions') }}
),

default_definition as (
    select
        definition_id,
        measure,
        coalesce(
            chronic_threshold,
            cast({{ var('chronic_absence_threshold') }} as {{ type_double() }})
        ) as chronic_threshold,
        coalesce(min_enrolled_days, {{ var('chronic_absence_min_enrolled_days') }})
            as min_enrolled_days
    from chronic_absence_definitions
    where definition_id = '{{ var("chronic_absence_definition") }}'
),

year_totals as (
    select
        student_id,
        school_year,
        sum(days_enrolled) as days_enrolled,
        sum(days_attended) as days_attended,
        sum(days_absent) as days_absent,
        sum(excused_absence_days) as excused_absence_days,
        sum(unexcused_absence_days) as unexcused_absence_days,
        sum(full_day_absences) as full_day_absences,
        sum(part_day_absences) as part_day_absences,
        sum(days_present) as days_present,
        sum(tardy_days) as tardy_days,
        sum(early_departure_days) as early_departure_days,
        sum(minutes_missed) as minutes_missed,
        {%- for quarter in range(1, 5) %}
            sum(quarter_{{ quarter }}_days_enrolled) as quarter_{{ quarter }}_days_enrolled,
            sum(quarter_{{ quarter }}_days_absent) as quarter_{{ quarter }}_days_absent,
        {%- endfor %}
        count(distinct case when days_enrolled > 0 then school_id end)
            as schools_with_counted_days
    from school_year_attendance
    group by student_id, school_year
),

spine as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        student_years.grade_band,
        student_years.school_id,
        student_years.schools_attended,
        {%- for column, type in [
            ('days_enrolled', dbt.type_int()),
            ('days_attended', type_double()),
            ('days_absent', type_double()),
            ('excused_absence_days', type_double()),
            ('unexcused_absence_days', type_double()),
            ('full_day_absences', dbt.type_int()),
            ('part_day_absences', dbt.type_int()),
            ('days_present', dbt.type_int()),
            ('tardy_days', dbt.type_int()),
            ('early_departure_days', dbt.type_int()),
            ('minutes_missed', dbt.type_int()),
            ('quarter_1_days_enrolled', dbt.type_int()),
            ('quarter_1_days_absent', type_double()),
            ('quarter_2_days_enrolled', dbt.type_int()),
            ('quarter_2_days_absent', type_double()),
            ('quarter_3_days_enrolled', dbt.type_int()),
            ('quarter_3_days_absent', type_double()),
            ('quarter_4_days_enrolled', dbt.type_int()),
            ('quarter_4_days_absent', type_double()),
            ('schools_with_counted_days', dbt.type_int()),
        ] %}
            -- unknown (null) where the attendance data is absent, else 0 when none counted
            cast({{ if_known(
                'coverage.attendance_data_status',
                'coalesce(year_totals.' ~ column ~ ', 0)'
            ) }} as {{ type }}) as {{ column }},
        {%- endfor %}
        coverage.attendance_data_status
    from student_years
    left join coverage
        on
            student_years.student_id = coverage.student_id
            and student_years.school_year = coverage.school_year
    left join year_totals
        on
            student_years.student_id = year_totals.student_id
            and student_years.school_year = year_totals.school_year
),

-- The latest grading quarter with at least the minimum days enrolled, and the days
-- enrolled and absent in the quarters before it.
latest_quarter as (
    select
        spine.*,
        case
            {%- for quarter in range(4, 0, -1) %}
                when spine.quarter_{{ quarter }}_days_enrolled >= {{ trend_min_days }}
                    then {{ quarter }}
            {%- endfor %}
        end as latest_quarter
    from spine
),

quarter_split as (
    select
        latest_quarter.*,
        case
            {%- for quarter in range(1, 5) %}
                when latest_quarter.latest_quarter = {{ quarter }}
                    then latest_quarter.quarter_{{ quarter }}_days_enrolled
            {%- endfor %}
        end as latest_quarter_days_enrolled,
        case
            {%- for quarter in range(1, 5) %}
                when latest_quarter.latest_quarter = {{ quarter }}
                    then latest_quarter.quarter_{{ quarter }}_days_absent
            {%- endfor %}
        end as latest_quarter_days_absent,
        0
        {%- for quarter in range(1, 4) %}
            + case
                when latest_quarter.latest_quarter > {{ quarter }}
                    then latest_quarter.quarter_{{ quarter }}_days_enrolled
                else 0
            end
        {%- endfor %} as earlier_quarters_days_enrolled,
        0
        {%- for quarter in range(1, 4) %}
            + case
                when latest_quarter.latest_quarter > {{ quarter }}
                    then latest_quarter.quarter_{{ quarter }}_days_absent
                else 0
            end
        {%- endfor %} as earlier_quarters_days_absent
    from latest_quarter
),

rates as (
    select
        quarter_split.*,
        quarter_split.days_attended / nullif(quarter_split.days_enrolled, 0)
            as attendance_rate,
        quarter_split.days_absent / nullif(quarter_split.days_enrolled, 0) as absence_rate,
        quarter_split.unexcused_absence_days / nullif(quarter_split.days_enrolled, 0)
            as unexcused_absence_rate,
        cast(quarter_split.tardy_days as {{ type_double() }})
        / nullif(quarter_split.days_present, 0) as tardy_rate,
        {%- for quarter in range(1, 5) %}
            quarter_split.quarter_{{ quarter }}_days_absent
            / nullif(quarter_split.quarter_{{ quarter }}_days_enrolled, 0)
                as quarter_{{ quarter }}_absence_rate,
        {%- endfor %}
        quarter_split.latest_quarter_days_absent
        / nullif(quarter_split.latest_quarter_days_enrolled, 0)
            as latest_quarter_absence_rate,
        case
            when quarter_split.earlier_quarters_days_enrolled >= {{ trend_min_days }}
                then
                    quarter_split.earlier_quarters_days_absent
                    / quarter_split.earlier_quarters_days_enrolled
        end as earlier_quarters_absence_rate
    from quarter_split
),

chronic_absence as (
    select
        rates.*,
        default_definition.definition_id as chronic_absence_definition,
        rates.days_enrolled >= default_definition.min_enrolled_days
            as is_rated_for_chronic_absence,
        case
            when default_definition.definition_id is null then null
            when rates.days_enrolled is null then null
            when rates.days_enrolled < default_definition.min_enrolled_days then false
            when default_definition.measure = 'days_absent'
                then rates.days_absent >= default_definition.chronic_threshold
            else coalesce(rates.absence_rate >= default_definition.chronic_threshold, false)
        end as is_chronically_absent
    from rates
    left join default_definition
        on 1 = 1
),

prior_year as (
    select
        student_id,
        school_year + 1 as next_school_year,
        days_enrolled,
        absence_rate,
        is_chronically_absent
    from chronic_absence
),

final as (
    select
        chronic_absence.student_id,
        chronic_absence.school_year,
        chronic_absence.grade_level,
        chronic_absence.grade_band,
        chronic_absence.school_id,
        chronic_absence.schools_attended,
        chronic_absence.attendance_data_status,
        chronic_absence.schools_with_counted_days,
        chronic_absence.days_enrolled,
        chronic_absence.days_attended,
        chronic_absence.days_absent,
        chronic_absence.excused_absence_days,
        chronic_absence.unexcused_absence_days,
        chronic_absence.full_day_absences,
        chronic_absence.part_day_absences,
        chronic_absence.days_present,
        chronic_absence.tardy_days,
        chronic_absence.early_departure_days,
        chronic_absence.minutes_missed,
        chronic_absence.attendance_rate,
        chronic_absence.absence_rate,
        chronic_absence.unexcused_absence_rate,
        chronic_absence.tardy_rate,
        chronic_absence.chronic_absence_definition,
        chronic_absence.is_rated_for_chronic_absence,
        chronic_absence.is_chronically_absent,
        case
            when chronic_absence.is_chronically_absent is null then null
            when not chronic_absence.is_chronically_absent then 'none'
            when
                chronic_absence.absence_rate
                >= cast({{ var('chronic_absence_severe_threshold') }} as {{ type_double() }})
                then 'severe'
            else 'moderate'
        end as chronic_absence_severity,
        {%- for quarter in range(1, 5) %}
            chronic_absence.quarter_{{ quarter }}_days_enrolled,
            chronic_absence.quarter_{{ quarter }}_days_absent,
            chronic_absence.quarter_{{ quarter }}_absence_rate,
        {%- endfor %}
        chronic_absence.latest_quarter,
        chronic_absence.latest_quarter_days_enrolled,
        chronic_absence.latest_quarter_absence_rate,
        chronic_absence.earlier_quarters_days_enrolled,
        chronic_absence.earlier_quarters_absence_rate,
        chronic_absence.latest_quarter_absence_rate
        - chronic_absence.earlier_quarters_absence_rate as absence_rate_change_within_year,
        prior_year.days_enrolled as prior_year_days_enrolled,
        prior_year.absence_rate as prior_year_absence_rate,
        prior_year.is_chronically_absent as is_chronically_absent_prior_year,
        chronic_absence.absence_rate - prior_year.absence_rate
            as absence_rate_change_from_prior_year
    from chronic_absence
    left join prior_year
        on
            chronic_absence.student_id = prior_year.student_id
            and chronic_absence.school_year = prior_year.next_school_year
)

select * from final
