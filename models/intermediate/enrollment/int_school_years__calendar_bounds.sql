-- Grain: one row per school per school year. First and last instructional day of each
-- school's calendar, and how far its attendance is complete as of the as-of date: the
-- earlier of the as-of date and the last date the school recorded any attendance event
-- in a year still under way (a school that has not submitted past some date does not
-- get "present" for the days after it; one that has submitted nothing this year has no
-- complete days). Past years are complete to their last day.
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

final as (
    select
        bounds.school_id,
        bounds.school_year,
        bounds.first_instructional_date,
        bounds.last_instructional_date,
        bounds.instructional_days_in_year,
        last_events.last_attendance_event_date,
        as_of.as_of_date >= bounds.last_instructional_date as is_year_complete,
        case
            when as_of.as_of_date >= bounds.last_instructional_date
                then bounds.last_instructional_date
            when as_of.as_of_date < bounds.first_instructional_date
                then null
            -- a school with no attendance recorded yet this year has nothing complete
            else least(as_of.as_of_date, last_events.last_attendance_event_date)
        end as attendance_complete_through_date
    from bounds
    cross join as_of
    left join last_events
        on
            bounds.school_id = last_events.school_id
            and bounds.school_year = last_events.school_year
)

select * from final
