-- Grain: one row per student per school year in grades K-5 (student_id, school_year).
-- The elementary band's own indicators and flags: attendance, marks below standard,
-- reading and math levels, behaviour, mobility and retention. Thresholds are vars.
-- A flag whose indicator is unknown (its data absent: unknown_indicators) is null and
-- is not counted in flag_count.
with

student_years as (
    select * from {{ ref('ews_student_year') }}
),

wellbeing as (
    select * from {{ ref('int_student_years__wellbeing') }}
),

math_interims as (
    select * from {{ ref('int_student_years__math_interims') }}
),

elementary as (
    select
        student_years.*,
        wellbeing.sel_composite_t_score,
        wellbeing.is_sel_need_for_instruction,
        wellbeing.climate_belonging,
        wellbeing.climate_peer_relationships,
        wellbeing.climate_adult_support,
        wellbeing.is_climate_unfavourable,
        math_interims.math_interim_percentile,
        math_interims.math_interim_growth_percentile,
        math_interims.is_math_interim_low,
        math_interims.is_math_growth_low
    from student_years
    left join wellbeing
        on
            student_years.student_id = wellbeing.student_id
            and student_years.school_year = wellbeing.school_year
    left join math_interims
        on
            student_years.student_id = math_interims.student_id
            and student_years.school_year = math_interims.school_year
    where student_years.grade_band = 'elementary'
),

flagged as (
    select
        student_id,
        school_year,
        as_of_date,
        school_id,
        grade_level,
        is_enrolled_on_as_of_date,
        days_enrolled,
        days_absent,
        excused_absence_days,
        unexcused_absence_days,
        attendance_rate,
        is_chronically_absent,
        chronic_absence_severity,
        absence_rate_change_within_year,
        prior_year_absence_rate,
        core_failures,
        latest_term_core_failures,
        reading_performance_level,
        is_reading_proficient,
        math_performance_level,
        is_math_proficient,
        is_grade_3_reading_proficient,
        incidents,
        out_of_school_suspensions,
        mid_year_school_changes,
        is_late_entry,
        has_been_retained,
        is_over_age_for_grade,
        service_spells_this_year,
        unknown_indicators,
        sel_composite_t_score,
        is_sel_need_for_instruction,
        climate_belonging,
        climate_peer_relationships,
        climate_adult_support,
        is_climate_unfavourable,
        math_interim_percentile,
        math_interim_growth_percentile,
        is_math_interim_low,
        is_math_growth_low,
        -- success metrics (#14): unknown (null) where the table does not cover the
        -- student-year or the student has no score; not counted in flag_count
        is_sel_need_for_instruction as flag_sel,
        is_climate_unfavourable as flag_climate,
        is_math_growth_low as flag_math_growth,
        {{ flag_if_known('attendance_data_status', 'is_chronically_absent') }} as flag_attendance,
        {{ flag_if_known('course_performance_data_status', 'core_failures > 0') }} as flag_marks,
        case
            when grade_level < 3 then false
            else {{ flag_if_known(
                'assessments_data_status',
                "reading_performance_level <= " ~ var('reading_flag_performance_level')
            ) }}
        end as flag_reading,
        {{ flag_if_known(
            'behaviour_data_status',
            "out_of_school_suspensions > 0 or incidents >= "
            ~ var('behaviour_incident_flag_count')
        ) }} as flag_behaviour,
        case
            when mid_year_school_changes > 0 then true
            else {{ flag_if_known('late_entry_data_status', 'is_late_entry') }}
        end as flag_mobility
    from elementary
),

final as (
    select
        flagged.*,
        case when flagged.flag_attendance then 1 else 0 end
        + case when flagged.flag_marks then 1 else 0 end
        + case when flagged.flag_reading then 1 else 0 end
        + case when flagged.flag_behaviour then 1 else 0 end
        + case when flagged.flag_mobility then 1 else 0 end as flag_count,
        -- null, not 0, when none of the success flags is known (no table covers the year)
        case
            when
                coalesce(
                    flagged.flag_sel,
                    flagged.flag_climate,
                    flagged.flag_math_growth
                ) is not null
                then
                    case when flagged.flag_sel then 1 else 0 end
                    + case when flagged.flag_climate then 1 else 0 end
                    + case when flagged.flag_math_growth then 1 else 0 end
        end as success_flag_count
    from flagged
)

select * from final
