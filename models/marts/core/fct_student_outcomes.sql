-- Grain: one row per student per school year (the int_student_years spine). The outcomes
-- that follow the year, each null while it is not yet known on the as-of date (doc
-- block outcomes_known_rules):
--   * Next year (enrolled, promoted, retained): known once the student has a spell in the
--     next school year, or once the next year has started (the district's earliest first
--     instructional day); promotion and retention only for students enrolled next year.
--   * This year's exit (graduated, dropped out, recorded district exit): known once the
--     year's latest spell has an exit. left_district_this_year adds the students whose
--     year ended with no departure recorded and who are not enrolled next year.
--   * Four-year adjusted cohort (ACGR, doc block outcomes_acgr_cohort): the cohort is
--     fixed by the student's first high-school spell (int_students__acgr_cohort);
--     on-time graduation is known once the student has a diploma in time or the year
--     after the cohort year has started.
--   * Grade-3 reading: on K-2 rows, the student's first grade-3 ELA result taken by the
--     as-of date.
-- An outcome the data cannot support is null, never "did not happen" (doc block
-- data_coverage): on-time graduation where a cohort year's exits carry no exit codes,
-- next-grade success where the next year's attendance or course marks are absent.
with

student_years as (
    select * from {{ ref('int_student_years') }}
),

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

acgr_cohorts as (
    select * from {{ ref('int_students__acgr_cohort') }}
),

school_year_starts as (
    select
        school_year,
        min(first_instructional_date) as year_start_date
    from calendar_bounds
    group by school_year
),

-- The summer after a year ends when the next year starts; a year whose successor is not
-- in the calendars yet is taken to end one year after it started.
year_ends as (
    select
        this_year.school_year,
        coalesce(
            next_year.year_start_date,
            cast({{ dbt.dateadd('year', 1, 'this_year.year_start_date') }} as date)
        ) as next_year_start_date
    from school_year_starts as this_year
    left join school_year_starts as next_year
        on this_year.school_year + 1 = next_year.school_year
),

year_outcomes as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        student_years.school_id,
        next_years.grade_level as next_year_grade_level,
        next_years.student_id is not null as has_next_year_spell,
        coalesce(as_of.as_of_date >= year_ends.next_year_start_date, false)
            as has_next_year_started,
        student_years.year_exit_code is not null as is_year_exit_known,
        student_years.graduated_this_year,
        student_years.dropped_out_this_year,
        student_years.left_district_this_year
    from student_years
    cross join as_of
    left join student_years as next_years
        on
            student_years.student_id = next_years.student_id
            and student_years.school_year + 1 = next_years.school_year
    left join year_ends
        on student_years.school_year = year_ends.school_year
),

next_year_outcomes as (
    select
        year_outcomes.*,
        case
            when year_outcomes.has_next_year_spell then true
            when year_outcomes.has_next_year_started then false
        end as is_enrolled_next_year
    from year_outcomes
),

-- Graduating on time is known once the student has a diploma in time, or once the
-- year after the cohort year has started, unless exits without codes leave it unknown.
cohort_outcomes as (
    select
        acgr_cohorts.student_id,
        acgr_cohorts.cohort_entry_school_year,
        acgr_cohorts.cohort_graduation_year,
        acgr_cohorts.is_cohort_start_observed,
        acgr_cohorts.is_removed_from_cohort,
        acgr_cohorts.diploma_school_year,
        case
            when acgr_cohorts.diploma_school_year <= acgr_cohorts.cohort_graduation_year
                then true
            when acgr_cohorts.has_exits_without_codes then null
            when as_of.as_of_date >= year_ends.next_year_start_date then false
        end as graduated_on_time
    from acgr_cohorts
    cross join as_of
    left join year_ends
        on acgr_cohorts.cohort_graduation_year = year_ends.school_year
),

ranked_grade_3_reading as (
    select
        assessments.student_id,
        assessments.school_year,
        assessments.is_proficient,
        row_number() over (
            partition by assessments.student_id
            order by assessments.administration_date, assessments.school_year
        ) as test_rank
    from assessments
    cross join as_of
    where
        assessments.subject_area = 'ela'
        and assessments.grade_level = 3
        and assessments.administration_date <= as_of.as_of_date
),

first_grade_3_reading as (
    select * from ranked_grade_3_reading
    where test_rank = 1
),

outcomes as (
    select
        next_year_outcomes.student_id,
        next_year_outcomes.school_year,
        next_year_outcomes.grade_level,
        next_year_outcomes.school_id,
        next_year_outcomes.is_enrolled_next_year,
        next_year_outcomes.next_year_grade_level,
        case
            when next_year_outcomes.has_next_year_spell
                then next_year_outcomes.next_year_grade_level > next_year_outcomes.grade_level
        end as is_promoted_next_year,
        case
            when next_year_outcomes.has_next_year_spell
                then next_year_outcomes.next_year_grade_level <= next_year_outcomes.grade_level
        end as is_retained_next_year,
        case
            when next_year_outcomes.is_year_exit_known
                then next_year_outcomes.graduated_this_year
        end as graduated_this_year,
        case
            when next_year_outcomes.is_year_exit_known
                then next_year_outcomes.dropped_out_this_year
        end as dropped_out_this_year,
        case
            when next_year_outcomes.is_year_exit_known
                then next_year_outcomes.left_district_this_year
        end as has_recorded_district_exit,
        case
            when
                next_year_outcomes.is_year_exit_known
                and next_year_outcomes.left_district_this_year
                then true
            when next_year_outcomes.is_year_exit_known
                then not next_year_outcomes.is_enrolled_next_year
        end as left_district_this_year,
        cohort_outcomes.cohort_graduation_year,
        coalesce(
            next_year_outcomes.school_year = cohort_outcomes.cohort_entry_school_year, false
        ) as is_cohort_entry_year,
        cohort_outcomes.is_cohort_start_observed,
        cohort_outcomes.is_removed_from_cohort,
        cohort_outcomes.diploma_school_year,
        cohort_outcomes.graduated_on_time,
        cohort_outcomes.graduated_on_time is not null as is_on_time_graduation_known,
        case
            when next_year_outcomes.grade_level <= 2
                then first_grade_3_reading.school_year
        end as grade_3_reading_school_year,
        case
            when next_year_outcomes.grade_level <= 2
                then first_grade_3_reading.is_proficient
        end as is_grade_3_reading_proficient
    from next_year_outcomes
    left join cohort_outcomes
        on next_year_outcomes.student_id = cohort_outcomes.student_id
    left join first_grade_3_reading
        on next_year_outcomes.student_id = first_grade_3_reading.student_id
),

-- Next-grade success (doc block next_grade_success): graduated this year, or promoted
-- and through the next school year without chronic absence, a core course failure or
-- dropping out. Unknown (null) until the next year is complete, for students who left
-- the district other than by dropping out, and where the next year's attendance or
-- course marks are absent (unless a known part already failed).
next_year_attendance as (
    select
        student_id,
        school_year - 1 as school_year,
        is_chronically_absent
    from {{ ref('int_student_years__attendance') }}
),

next_year_courses as (
    select
        student_id,
        school_year - 1 as school_year,
        core_failures,
        course_performance_data_status
    from {{ ref('int_student_years__course_performance') }}
),

next_year_spells as (
    select
        student_id,
        school_year - 1 as school_year,
        max(case when is_dropout then 1 else 0 end) as dropped_out_next_year
    from spells
    group by student_id, school_year - 1
),

complete_years as (
    select
        calendar_bounds.school_year,
        max(calendar_bounds.last_instructional_date) <= max(as_of.as_of_date) as is_complete
    from calendar_bounds
    cross join as_of
    group by calendar_bounds.school_year
),

final as (
    select
        outcomes.*,
        case
            when outcomes.graduated_this_year then true
            when outcomes.dropped_out_this_year then false
            when outcomes.is_retained_next_year then false
            when not coalesce(next_complete.is_complete, false) then null
            when not coalesce(outcomes.is_enrolled_next_year, false) then null
            when next_year_spells.dropped_out_next_year = 1 then false
            when next_year_attendance.is_chronically_absent then false
            when coalesce(next_year_courses.core_failures, 0) > 0 then false
            -- a part the data cannot tell: success cannot be confirmed
            when next_year_attendance.is_chronically_absent is null then null
            when next_year_courses.course_performance_data_status = 'absent' then null
            when outcomes.is_promoted_next_year then true
        end as next_grade_success
    from outcomes
    left join complete_years as next_complete
        on outcomes.school_year + 1 = next_complete.school_year
    left join next_year_attendance
        on
            outcomes.student_id = next_year_attendance.student_id
            and outcomes.school_year = next_year_attendance.school_year
    left join next_year_courses
        on
            outcomes.student_id = next_year_courses.student_id
            and outcomes.school_year = next_year_courses.school_year
    left join next_year_spells
        on
            outcomes.student_id = next_year_spells.student_id
            and outcomes.school_year = next_year_spells.school_year
)

select * from final
