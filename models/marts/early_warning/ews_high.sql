-- Grain: one row per student per school year in grades 9-12 (student_id, school_year).
-- The high-school band's indicators and flags: credits against what on-time graduation
-- needs, the Chicago 9th-grade on-track flag, course failures and GPA, attendance,
-- suspensions, mobility, over-age. Thresholds are vars.
-- A flag whose indicator is unknown (its data absent: unknown_indicators) is null and
-- is not counted in flag_count.
with

student_years as (
    select * from {{ ref('ews_student_year') }}
),

wellbeing as (
    select * from {{ ref('int_student_years__wellbeing') }}
),

college_career as (
    select * from {{ ref('int_student_years__college_career') }}
),

high as (
    select
        student_years.*,
        wellbeing.sel_composite_t_score,
        wellbeing.is_sel_need_for_instruction,
        wellbeing.climate_belonging,
        wellbeing.climate_peer_relationships,
        wellbeing.climate_adult_support,
        wellbeing.is_climate_unfavourable,
        college_career.advanced_courses_this_year,
        college_career.advanced_courses_to_date,
        college_career.has_earned_college_credit,
        college_career.meets_both_exam_benchmarks,
        college_career.is_cte_concentrator,
        college_career.has_submitted_fafsa,
        college_career.has_completed_fafsa
    from student_years
    left join wellbeing
        on
            student_years.student_id = wellbeing.student_id
            and student_years.school_year = wellbeing.school_year
    left join college_career
        on
            student_years.student_id = college_career.student_id
            and student_years.school_year = college_career.school_year
    where student_years.grade_band = 'high'
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
        unexcused_absence_days,
        attendance_rate,
        is_chronically_absent,
        chronic_absence_severity,
        absence_rate_change_within_year,
        core_failures,
        core_semester_failures,
        latest_term_core_failures,
        year_gpa,
        gpa_change,
        cumulative_high_school_credits,
        credits_expected_on_time,
        credits_behind,
        is_on_track_for_graduation,
        is_chicago_on_track,
        incidents,
        out_of_school_suspensions,
        days_removed,
        mid_year_school_changes,
        is_late_entry,
        has_been_retained,
        is_over_age_for_grade,
        service_spells_this_year,
        abc_attendance_flag,
        abc_behaviour_flag,
        abc_course_flag,
        abc_flag_count,
        unknown_indicators,
        sel_composite_t_score,
        is_sel_need_for_instruction,
        climate_belonging,
        climate_peer_relationships,
        climate_adult_support,
        is_climate_unfavourable,
        advanced_courses_this_year,
        advanced_courses_to_date,
        has_earned_college_credit,
        meets_both_exam_benchmarks,
        is_cte_concentrator,
        has_submitted_fafsa,
        has_completed_fafsa,
        -- success metrics (#14): unknown (null) where the table does not cover the
        -- student-year or the student has no score; not counted in flag_count
        is_sel_need_for_instruction as flag_sel,
        is_climate_unfavourable as flag_climate,
        {{ flag_if_known('attendance_data_status', 'is_chronically_absent') }} as flag_attendance,
        {{ flag_if_known('course_performance_data_status', 'core_failures > 0') }}
            as flag_course,
        {{ flag_if_known(
            'course_performance_data_status', 'year_gpa < ' ~ var('low_gpa_threshold')
        ) }} as flag_low_gpa,
        -- credits unknown (marks absent this year or in an earlier high-school year)
        case
            when cumulative_high_school_credits is null then null
            else {{ flag_if_known(
                'course_performance_data_status',
                'coalesce(not is_on_track_for_graduation, false) '
                ~ 'or coalesce(not is_chicago_on_track, false)'
            ) }}
        end as flag_off_track,
        {{ flag_if_known('behaviour_data_status', 'out_of_school_suspensions > 0') }}
            as flag_behaviour,
        case
            when mid_year_school_changes > 0 then true
            else {{ flag_if_known('late_entry_data_status', 'is_late_entry') }}
        end as flag_mobility,
        {{ flag_if_known('over_age_data_status', 'is_over_age_for_grade') }}
            as flag_over_age
    from high
),

final as (
    select
        flagged.*,
        case when flagged.flag_attendance then 1 else 0 end
        + case when flagged.flag_course then 1 else 0 end
        + case when flagged.flag_low_gpa then 1 else 0 end
        + case when flagged.flag_off_track then 1 else 0 end
        + case when flagged.flag_behaviour then 1 else 0 end
        + case when flagged.flag_mobility then 1 else 0 end
        + case when flagged.flag_over_age then 1 else 0 end as flag_count,
        -- null, not 0, when none of the success flags is known (no table covers the year)
        case
            when
                coalesce(
                    flagged.flag_sel,
                    flagged.flag_climate
                ) is not null
                then
                    case when flagged.flag_sel then 1 else 0 end
                    + case when flagged.flag_climate then 1 else 0 end
        end as success_flag_count
    from flagged
)

select * from final
