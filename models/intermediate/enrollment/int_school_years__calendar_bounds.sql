-- Grain: one row per school per school year of its calendar (school_id, school_year).
-- First and last instructional day, and the days of the year the school's attendance is
-- complete for, decided here once per school and year (doc block
-- attendance_completeness): the period runs from the first instructional day to the
-- earlier of the as-of date and the last one. A run of school days without any
-- attendance event at either end of the period is a gap the school did not send when a
-- school recording events at its own rate would leave it empty with a probability
-- below var('attendance_gap_probability'): the days before its first event or after its
-- last are then not counted (status partial). A school with no event in the year has
-- nothing complete (status absent). core.fct_school_data_freshness reads the status.
{{ config(materialized='table') }}

with

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

attendance_events as (
    select * from {{ ref('stg_sis__attendance_events') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
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

school_events as (
    select
        attendance_events.school_id,
        attendance_events.school_year,
        count(*) as attendance_events,
        min(attendance_events.event_date) as first_attendance_event_date,
        max(attendance_events.event_date) as last_attendance_event_date
    from attendance_events
    cross join as_of
    where attendance_events.event_date <= as_of.as_of_date
    group by attendance_events.school_id, attendance_events.school_year
),

periods as (
    select
        bounds.*,
        school_events.attendance_events,
        school_events.first_attendance_event_date,
        school_events.last_attendance_event_date,
        as_of.as_of_date >= bounds.last_instructional_date as is_year_complete,
        case
            when as_of.as_of_date >= bounds.last_instructional_date
                then bounds.last_instructional_date
            when as_of.as_of_date >= bounds.first_instructional_date
                then as_of.as_of_date
        end as period_end_date
    from bounds
    cross join as_of
    left join school_events
        on
            bounds.school_id = school_events.school_id
            and bounds.school_year = school_events.school_year
),

-- school days of the period before the first event, from it to the last, after the last
day_counts as (
    select
        periods.school_id,
        periods.school_year,
        count(case
            when calendar_days.calendar_date < periods.first_attendance_event_date then 1
        end) as school_days_before_first_event,
        count(case
            when calendar_days.calendar_date > periods.last_attendance_event_date then 1
        end) as school_days_after_last_event,
        count(case
            when
                calendar_days.calendar_date
                between periods.first_attendance_event_date
                and periods.last_attendance_event_date
                then 1
        end) as school_days_with_events_span
    from periods
    left join calendar_days
        on
            periods.school_id = calendar_days.school_id
            and periods.school_year = calendar_days.school_year
            and calendar_days.is_instructional_day
            and periods.period_end_date >= calendar_days.calendar_date
    group by periods.school_id, periods.school_year
),

-- the school's own rate of events a school day, while it was sending; a gap of g school
-- days is empty by chance with probability exp(-rate * g)
gaps as (
    select
        periods.*,
        day_counts.school_days_before_first_event,
        day_counts.school_days_after_last_event,
        cast(periods.attendance_events as {{ type_double() }})
        / nullif(day_counts.school_days_with_events_span, 0) as events_per_school_day,
        -ln(cast({{ var('attendance_gap_probability', 0.01) }} as {{ type_double() }}))
            as gap_threshold
    from periods
    inner join day_counts
        on
            periods.school_id = day_counts.school_id
            and periods.school_year = day_counts.school_year
),

judged as (
    select
        gaps.*,
        coalesce(
            gaps.events_per_school_day * gaps.school_days_before_first_event
            > gaps.gap_threshold,
            false
        ) as is_missing_start,
        coalesce(
            gaps.events_per_school_day * gaps.school_days_after_last_event
            > gaps.gap_threshold,
            false
        ) as is_missing_end
    from gaps
),

final as (
    select
        school_id,
        school_year,
        first_instructional_date,
        last_instructional_date,
        instructional_days_in_year,
        attendance_events,
        first_attendance_event_date,
        last_attendance_event_date,
        is_year_complete,
        period_end_date,
        cast(
            case
                when last_attendance_event_date is not null then school_days_before_first_event
            end as {{ dbt.type_int() }}
        ) as school_days_before_first_event,
        cast(
            case
                when last_attendance_event_date is not null then school_days_after_last_event
            end as {{ dbt.type_int() }}
        ) as school_days_after_last_event,
        events_per_school_day,
        case
            when period_end_date is null or last_attendance_event_date is null then null
            when is_missing_start then first_attendance_event_date
            else first_instructional_date
        end as attendance_complete_from_date,
        case
            when period_end_date is null or last_attendance_event_date is null then null
            when is_missing_end then last_attendance_event_date
            else period_end_date
        end as attendance_complete_through_date,
        case
            when period_end_date is null then 'not_started'
            when last_attendance_event_date is null then 'absent'
            when is_missing_start or is_missing_end then 'partial'
            else 'present'
        end as attendance_status
    from judged
)

select * from final
