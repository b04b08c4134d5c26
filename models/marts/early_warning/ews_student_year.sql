-- Grain: one row per student per school year with an enrollment by the as-of date
-- (student_id, school_year). Every early-warning indicator of the year as it stood on
-- the as-of date, beside the student groups a school reports on. The band marts
-- (ews_elementary, ews_middle, ews_high) and ews_student_current read this one.
-- Where the data cannot support an indicator for the student-year (its source is absent
-- at one of the student's schools: int_student_years__data_coverage, doc block
-- data_coverage) its columns are null, never zero, it fires no flag, and
-- unknown_indicators names it; the *_data_status columns say what the data supports.
with

student_years as (
    select * from {{ ref('int_student_years') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

students as (
    select * from {{ ref('dim_student') }}
),

characteristics as (
    select * from {{ ref('stg_sis__student_characteristics') }}
),

attendance as (
    select * from {{ ref('int_student_years__attendance') }}
),

course_performance as (
    select * from {{ ref('int_student_years__course_performance') }}
),

assessments as (
    select * from {{ ref('int_student_years__assessments') }}
),

behaviour as (
    select * from {{ ref('int_student_years__behaviour') }}
),

mobility as (
    select * from {{ ref('int_student_years__mobility') }}
),

history as (
    select * from {{ ref('int_student_years__history') }}
),

family_contacts as (
    select * from {{ ref('int_student_years__family_contacts') }}
),

coverage as (
    select * from {{ ref('int_student_years__data_coverage') }}
),

joined as (
    select
        student_years.student_id,
        student_years.school_year,
        as_of.as_of_date,
        student_years.school_id,
        student_years.grade_level,
        student_years.grade_band,
        student_years.is_enrolled_on_as_of_date,
        -- student groups (reporting, not model inputs by default)
        students.sex,
        students.race_ethnicity_reporting_group,
        characteristics.is_economically_disadvantaged,
        characteristics.is_english_learner,
        characteristics.has_iep,
        characteristics.has_504_plan,
        characteristics.is_gifted,
        characteristics.is_homeless,
        -- attendance
        attendance.days_enrolled,
        attendance.days_attended,
        attendance.days_absent,
        attendance.excused_absence_days,
        attendance.unexcused_absence_days,
        attendance.tardy_days,
        attendance.attendance_rate,
        attendance.absence_rate,
        attendance.is_rated_for_chronic_absence,
        attendance.is_chronically_absent,
        attendance.chronic_absence_severity,
        attendance.latest_quarter_absence_rate,
        attendance.absence_rate_change_within_year,
        attendance.prior_year_absence_rate,
        attendance.absence_rate_change_from_prior_year,
        -- course performance
        course_performance.core_courses_graded,
        course_performance.core_failures,
        course_performance.core_semester_failures,
        course_performance.latest_term,
        course_performance.latest_term_core_failures,
        course_performance.has_failing_math_mark,
        course_performance.has_failing_ela_mark,
        course_performance.year_gpa,
        course_performance.prior_year_gpa,
        course_performance.gpa_change,
        course_performance.cumulative_high_school_credits,
        course_performance.credits_expected_on_time,
        course_performance.credits_behind,
        course_performance.is_on_track_for_graduation,
        course_performance.is_chicago_on_track,
        -- mobility
        mobility.schools_attended,
        mobility.mid_year_school_changes,
        mobility.is_late_entry,
        mobility.district_reentries,
        mobility.cumulative_school_changes,
        mobility.is_new_to_district,
        -- behaviour
        behaviour.incidents,
        behaviour.in_school_suspensions,
        behaviour.out_of_school_suspensions,
        behaviour.expulsions,
        behaviour.days_removed,
        -- assessments
        assessments.reading_performance_level,
        assessments.is_reading_proficient,
        assessments.math_performance_level,
        assessments.is_math_proficient,
        assessments.math_performance_level_change,
        assessments.is_grade_3_reading_proficient,
        -- history and services
        history.has_been_retained,
        history.times_retained,
        history.is_over_age_for_grade,
        history.service_spells_this_year,
        history.highest_mtss_tier_this_year,
        history.has_services_in_earlier_years,
        -- family contacts (the worked example of docs/how_to_add_an_indicator.md)
        {%- for column, expression in [
            ('family_contacts', 'coalesce(family_contacts.family_contacts, 0)'),
            (
                'attendance_family_contacts',
                'coalesce(family_contacts.attendance_family_contacts, 0)'
            ),
            (
                'has_repeated_attendance_contacts',
                'coalesce(family_contacts.has_repeated_attendance_contacts, false)'
            ),
        ] %}
            {{ if_known('coverage.family_contacts_data_status', expression) }}
                as {{ column }},
        {%- endfor %}
        -- what the data supports for this student-year (doc block data_coverage)
        {%- for indicator in coverage_indicators() %}
            coverage.{{ indicator }}_data_status,
        {%- endfor %}
        coverage.unknown_indicators
    from student_years
    cross join as_of
    left join students
        on student_years.student_id = students.student_id
    left join characteristics
        on
            student_years.student_id = characteristics.student_id
            and student_years.school_year = characteristics.school_year
    left join attendance
        on
            student_years.student_id = attendance.student_id
            and student_years.school_year = attendance.school_year
    left join course_performance
        on
            student_years.student_id = course_performance.student_id
            and student_years.school_year = course_performance.school_year
    left join assessments
        on
            student_years.student_id = assessments.student_id
            and student_years.school_year = assessments.school_year
    left join behaviour
        on
            student_years.student_id = behaviour.student_id
            and student_years.school_year = behaviour.school_year
    left join mobility
        on
            student_years.student_id = mobility.student_id
            and student_years.school_year = mobility.school_year
    left join history
        on
            student_years.student_id = history.student_id
            and student_years.school_year = history.school_year
    left join family_contacts
        on
            student_years.student_id = family_contacts.student_id
            and student_years.school_year = family_contacts.school_year
    left join coverage
        on
            student_years.student_id = coverage.student_id
            and student_years.school_year = coverage.school_year
),

-- Balfanz ABC flags, named baselines for grades 6-9 (Balfanz, Herzog & Mac Iver 2007)
abc_flags as (
    select
        joined.*,
        case
            when joined.grade_level between 6 and 9 and joined.is_rated_for_chronic_absence
                then joined.attendance_rate <= {{ var('abc_attendance_rate_threshold') }}
        end as abc_attendance_flag,
        case
            when joined.grade_level between 6 and 9
                then joined.out_of_school_suspensions > 0
        end as abc_behaviour_flag,
        case
            when
                joined.grade_level between 6 and 9
                and joined.course_performance_data_status <> 'absent'
                then
                    coalesce(joined.has_failing_math_mark, false)
                    or coalesce(joined.has_failing_ela_mark, false)
        end as abc_course_flag
    from joined
),

final as (
    select
        abc_flags.*,
        case
            -- a count of flags claims all three are known
            when
                abc_flags.grade_level between 6 and 9
                and abc_flags.attendance_data_status <> 'absent'
                and abc_flags.course_performance_data_status <> 'absent'
                and abc_flags.behaviour_data_status <> 'absent'
                then
                    case when coalesce(abc_flags.abc_attendance_flag, false) then 1 else 0 end
                    + case when abc_flags.abc_behaviour_flag then 1 else 0 end
                    + case when abc_flags.abc_course_flag then 1 else 0 end
        end as abc_flag_count
    from abc_flags
)

select * from final
