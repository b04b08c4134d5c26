-- Grain: one row per student per school per date with an attendance event (student_id,
-- school_id, event_date). A student may have several events on one date (Ed-Fi keys an
-- event by its category): the event kept stands for the day by the precedence of doc
-- block attendance_daily_precedence, read from seed xwalk_attendance_events (an absence
-- first, a longer absence first, then the code's daily_precedence, then the code); the
-- day's tardy and early-departure flags come from any of its events. The loader records
-- each event that is not kept (audit.raw_adjustments, rule attendance_daily_precedence).
-- Only events up to the as-of date: nothing later is known at it.
-- A table, not a view: PostgreSQL's planner cannot size a windowed view and joined it
-- to the enrolled days of int_student_school_days__attendance by nested loop (over 18 minutes
-- on the engines test's district; under a second against this table, analyzed).
{{ config(materialized='table') }}

with

attendance_events as (
    select * from {{ ref('stg_sis__attendance_events') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

known_events as (
    select attendance_events.*
    from attendance_events
    cross join as_of
    where attendance_events.event_date <= as_of.as_of_date
),

ranked as (
    select
        student_id,
        school_id,
        school_year,
        event_date,
        event_type,
        event_category,
        is_absence,
        is_excused,
        effective_event_duration,
        minutes_missed,
        count(*) over (partition by student_id, school_id, event_date) as events_that_day,
        max(case when event_category = 'tardy' then 1 else 0 end)
            over (partition by student_id, school_id, event_date)
        = 1 as has_tardy_event,
        max(case when event_category = 'early_departure' then 1 else 0 end)
            over (partition by student_id, school_id, event_date)
        = 1 as has_early_departure_event,
        row_number() over (
            partition by student_id, school_id, event_date
            order by
                coalesce(is_absence, false) desc,
                case when is_absence then effective_event_duration end desc nulls last,
                daily_precedence asc nulls last,
                event_type asc
        ) as day_rank
    from known_events
),

final as (
    select
        student_id,
        school_id,
        school_year,
        event_date,
        event_type,
        event_category,
        is_absence,
        is_excused,
        effective_event_duration as event_duration,
        minutes_missed,
        events_that_day,
        has_tardy_event,
        has_early_departure_event
    from ranked
    where day_rank = 1
)

select * from final
