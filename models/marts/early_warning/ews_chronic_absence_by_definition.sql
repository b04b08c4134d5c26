-- Grain: one row per student per school year per chronic absence definition
-- (student_id, school_year, definition_id): every definition of seed
-- ews_chronic_absence_definitions applied to the student's whole year across schools.
-- The row of var('chronic_absence_definition') is the default (is_default_definition)
-- and agrees with int_student_years__attendance.is_chronically_absent. Rules: doc block
-- attendance_chronic_absence_definitions.
with

student_year_attendance as (
    select * from {{ ref('int_student_years__attendance') }}
),

chronic_absence_definitions as (
    select * from {{ ref('ews_chronic_absence_definitions') }}
),

definitions as (
    select
        definition_id,
        definition_name,
        measure,
        coalesce(
            chronic_threshold,
            cast({{ var('chronic_absence_threshold') }} as {{ type_double() }})
        ) as chronic_threshold,
        coalesce(min_enrolled_days, {{ var('chronic_absence_min_enrolled_days') }})
            as min_enrolled_days,
        at_risk_threshold,
        severe_threshold,
        definition_id = '{{ var("chronic_absence_definition") }}' as is_default_definition
    from chronic_absence_definitions
),

rated as (
    select
        student_year_attendance.student_id,
        student_year_attendance.school_year,
        definitions.definition_id,
        definitions.definition_name,
        definitions.is_default_definition,
        student_year_attendance.grade_level,
        student_year_attendance.grade_band,
        student_year_attendance.school_id,
        student_year_attendance.days_enrolled,
        student_year_attendance.days_absent,
        student_year_attendance.absence_rate,
        student_year_attendance.attendance_rate,
        definitions.measure,
        definitions.chronic_threshold,
        definitions.min_enrolled_days,
        definitions.at_risk_threshold,
        definitions.severe_threshold,
        case
            when definitions.measure = 'days_absent'
                then student_year_attendance.days_absent
            else student_year_attendance.absence_rate
        end as measure_value,
        student_year_attendance.days_enrolled >= definitions.min_enrolled_days as is_rated
    from student_year_attendance
    cross join definitions
),

final as (
    select
        student_id,
        school_year,
        definition_id,
        definition_name,
        is_default_definition,
        grade_level,
        grade_band,
        school_id,
        days_enrolled,
        days_absent,
        absence_rate,
        attendance_rate,
        measure,
        chronic_threshold,
        min_enrolled_days,
        measure_value,
        is_rated,
        -- unknown (null) where the student-year's attendance is (doc block data_coverage)
        case
            when days_enrolled is not null
                then coalesce(is_rated and measure_value >= chronic_threshold, false)
        end as is_chronically_absent,
        case
            when at_risk_threshold is null or not is_rated or measure_value is null then null
            when severe_threshold is not null and measure_value >= severe_threshold
                then 'severe_chronic'
            when measure_value >= chronic_threshold then 'moderate_chronic'
            when measure_value >= at_risk_threshold then 'at_risk'
            else 'satisfactory'
        end as attendance_tier
    from rated
)

select * from final
