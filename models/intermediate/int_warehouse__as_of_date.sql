-- Grain: one row. The date the warehouse is built as of: var('as_of_date'), or, when the
-- var is null, the latest date the district recorded something that happened: an
-- attendance event, an incident, a test, a service start or a family contact (a SIS
-- records attendance every school day, so its last date is normally the extract's
-- "today"; the others keep a year whose attendance has not been sent yet). Without any
-- of those, the latest entry date. Exit dates and calendars never set it: exits are
-- often pre-filled with the year's last day or typed into a later year, and calendars
-- run to June (one exit typed as 2020 on a 2017 spell once made 2018 "complete").
with

enrollments as (
    select * from {{ ref('stg_sis__enrollments') }}
),

attendance_events as (
    select * from {{ ref('stg_sis__attendance_events') }}
),

discipline_incidents as (
    select * from {{ ref('stg_sis__discipline_incidents') }}
),

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
),

program_services as (
    select * from {{ ref('stg_sis__program_services') }}
),

parent_contacts as (
    select * from {{ ref('stg_sis__parent_contacts') }}
),

latest_attendance as (
    select max(event_date) as latest_attendance_date from attendance_events
),

other_dates as (
    select max(incident_date) as latest_date from discipline_incidents
    union all
    select max(administration_date) as latest_date from assessments
    union all
    select max(start_date) as latest_date from program_services
    union all
    select max(contact_date) as latest_date from parent_contacts
),

latest_other as (
    select max(latest_date) as latest_other_date from other_dates
),

latest_entry as (
    select max(entry_date) as latest_entry_date from enrollments
),

latest as (
    select
        latest_attendance.latest_attendance_date,
        coalesce(
            case
                when latest_other.latest_other_date > latest_attendance.latest_attendance_date
                    then latest_other.latest_other_date
                else latest_attendance.latest_attendance_date
            end,
            latest_other.latest_other_date,
            latest_entry.latest_entry_date
        ) as latest_data_date
    from latest_attendance
    cross join latest_other
    cross join latest_entry
),

final as (
    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date) as as_of_date,
        {%- else -%}
            latest_data_date as as_of_date,
        {%- endif %}
        latest_data_date,
        latest_attendance_date
    from latest
)

select * from final
