-- Grain: one row per school per school year of its calendar (school_id, school_year).
-- First and last instructional day, and how far the school's attendance is complete as
-- of the as-of date: the one place that decides it (doc block
-- attendance_completeness). The period to count ends on the earlier of the as-of date
-- and the year's last instructional day. A school that recorded attendance events up to
-- within var('lagging_school_days') school days of that end is complete to it; one
-- whose events stop earlier is complete only to its last event (it stopped sending, or
-- has not sent the latest days: those days are not counted as present); one with no
-- event in the year has nothing complete (status absent), in a year under way and in a
-- past year alike. core.fct_school_data_freshness reads the same status.
{{ config(materialized='table') }}

with

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

attendance_events as (
    select * from {{ ref('stg_sis__attendance_events') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

bounds as (
    select
        school_id,
        school_year,
        min(calendar_date) as first_instructional_date,
        max(calendar_date) as last_instructional_date,
        count(*) as instructional_days_in_year
    from calendar_days
    where is_instructional_day
    group by school_id, school_year
),

last_events as (
    select
        attendance_events.school_id,
        attendance_events.school_year,
        max(attendance_events.event_date) as last_attendance_event_date
    from attendance_events
    cross join as_of
    where attendance_events.event_date <= as_of.as_of_date
    group by attendance_events.school_id, attendance_events.school_year
),

periods as (
    select
        bounds.*,
        last_events.last_attendance_event_date,
        as_of.as_of_date >= bounds.last_instructional_date as is_year_complete,
        case
            when as_of.as_of_date >= bounds.last_instructional_date
                then bounds.last_instructional_date
            when as_of.as_of_date >= bounds.first_instructional_date
                then as_of.as_of_date
        end as period_end_date
    from bounds
    cross join as_of
    left join last_events
        on
            bounds.school_id = last_events.school_id
            and bounds.school_year = last_events.school_year
),

-- school days of the period after the school's last attendance event
days_after_last_event as (
    select
        periods.school_id,
        periods.school_year,
        count(calendar_days.calendar_date) as school_days_after_last_event
    from periods
    left join calendar_days
        on
            periods.school_id = calendar_days.school_id
            and periods.school_year = calendar_days.school_year
            and calendar_days.is_instructional_day
            and periods.last_attendance_event_date < calendar_days.calendar_date
            and periods.period_end_date >= calendar_days.calendar_date
    group by periods.school_id, periods.school_year
),

final as (
    select
        periods.school_id,
        periods.school_year,
        periods.first_instructional_date,
        periods.last_instructional_date,
        periods.instructional_days_in_year,
        periods.last_attendance_event_date,
        periods.is_year_complete,
        periods.period_end_date,
        cast(
            case
                when periods.last_attendance_event_date is not null
                    then days_after_last_event.school_days_after_last_event
            end as {{ dbt.type_int() }}
        ) as school_days_after_last_event,
        case
            when periods.period_end_date is null or periods.last_attendance_event_date is null
                then null
            when
                days_after_last_event.school_days_after_last_event
                <= {{ var('lagging_school_days', 3) }}
                then periods.period_end_date
            else periods.last_attendance_event_date
        end as attendance_complete_through_date,
        case
            when periods.period_end_date is null then 'not_started'
            when periods.last_attendance_event_date is null then 'absent'
            when
                days_after_last_event.school_days_after_last_event
                > {{ var('lagging_school_days', 3) }}
                then 'partial'
            else 'present'
        end as attendance_status
    from periods
    inner join days_after_last_event
        on
            periods.school_id = days_after_last_event.school_id
            and periods.school_year = days_after_last_event.school_year
)

select * from final
