-- Grain: one row per student per school per instructional date while enrolled
-- (student_id, school_id, calendar_date), counted only up to the school's
-- attendance_complete_through_date. No attendance event on such a day means present.
-- A day with several events counts the one int_student_school_days__attendance_events
-- keeps (doc block attendance_daily_precedence). An absence counts as the share of the day missed
-- (event_duration, else the code's default: a whole day for an absence): a half-day
-- absence is 0.5 day absent and 0.5 day attended, and the day still counts as present
-- (is_present: attended at least part of the day).
-- A view by default (~20M rows in the default district): the join costs about 2 s a
-- scan, while writing the rows to disk costs about 20 s a build. A district whose BI
-- tools read the daily grain often sets var daily_attendance_materialization: table.
{{ config(materialized=var('daily_attendance_materialization', 'view')) }}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

attendance_events as (
    select * from {{ ref('int_student_school_days__attendance_events') }}
),

-- Each spell's days are counted from the later of its entry and the school's first
-- complete day, to the earlier of its last day enrolled and the school's last complete
-- day (int_school_years__calendar_bounds).
spells_counted as (
    select
        spells.student_id,
        spells.school_id,
        spells.school_year,
        spells.grade_level,
        case
            when spells.entry_date < calendar_bounds.attendance_complete_from_date
                then calendar_bounds.attendance_complete_from_date
            else spells.entry_date
        end as first_counted_date,
        case
            when spells.effective_exit_date < calendar_bounds.attendance_complete_through_date
                then spells.effective_exit_date
            else calendar_bounds.attendance_complete_through_date
        end as last_counted_date
    from spells
    inner join calendar_bounds
        on
            spells.school_id = calendar_bounds.school_id
            and spells.school_year = calendar_bounds.school_year
),

-- Grouped (one row per school day already) so that the calendar's own lookups run on
-- its ~50k rows, not on the ~20M enrolled days after the join below.
instructional_days as (
    select
        school_id,
        school_year,
        calendar_date,
        grading_quarter,
        semester
    from calendar_days
    where is_instructional_day
    group by school_id, school_year, calendar_date, grading_quarter, semester
),

enrolled_days as (
    select
        spells_counted.student_id,
        spells_counted.school_id,
        spells_counted.school_year,
        instructional_days.calendar_date,
        instructional_days.grading_quarter,
        instructional_days.semester,
        spells_counted.grade_level
    from spells_counted
    inner join instructional_days
        on
            spells_counted.school_id = instructional_days.school_id
            and spells_counted.school_year = instructional_days.school_year
            and spells_counted.first_counted_date <= instructional_days.calendar_date
            and spells_counted.last_counted_date >= instructional_days.calendar_date
),

with_events as (
    select
        enrolled_days.*,
        attendance_events.event_type,
        attendance_events.event_category,
        attendance_events.minutes_missed,
        attendance_events.event_type is not null as has_attendance_event,
        coalesce(attendance_events.is_absence, false) as is_absence_event,
        coalesce(attendance_events.is_excused, false) as is_excused_event,
        coalesce(attendance_events.has_tardy_event, false) as has_tardy_event,
        coalesce(attendance_events.has_early_departure_event, false)
            as has_early_departure_event,
        case
            when attendance_events.event_duration > 1 then 1.0
            when attendance_events.event_duration < 0 then 0.0
            else coalesce(attendance_events.event_duration, 1.0)
        end as share_of_day_missed
    from enrolled_days
    left join attendance_events
        on
            enrolled_days.student_id = attendance_events.student_id
            and enrolled_days.school_id = attendance_events.school_id
            and enrolled_days.calendar_date = attendance_events.event_date
),

final as (
    select
        student_id,
        school_id,
        school_year,
        calendar_date,
        grading_quarter,
        semester,
        grade_level,
        event_type as attendance_event_type,
        event_category as attendance_event_category,
        has_attendance_event,
        cast(
            case when is_absence_event then share_of_day_missed else 0 end
            as {{ type_double() }}
        ) as absence_days,
        cast(
            case when is_absence_event and is_excused_event then share_of_day_missed else 0 end
            as {{ type_double() }}
        ) as excused_absence_days,
        cast(
            case
                when is_absence_event and not is_excused_event then share_of_day_missed else 0
            end
            as {{ type_double() }}
        ) as unexcused_absence_days,
        cast(
            case when is_absence_event then 1 - share_of_day_missed else 1 end
            as {{ type_double() }}
        ) as attended_days,
        not is_absence_event or share_of_day_missed < 1 as is_present,
        is_absence_event and share_of_day_missed >= 1 as is_full_day_absence,
        is_absence_event and share_of_day_missed > 0 and share_of_day_missed < 1
            as is_part_day_absence,
        has_tardy_event as is_tardy,
        has_early_departure_event as is_early_departure,
        case when has_attendance_event then minutes_missed else 0 end as minutes_missed
    from with_events
)

select * from final
