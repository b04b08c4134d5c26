-- Grain: one row. The date the warehouse is built as of: var('as_of_date'), or, when the
-- var is null, the latest date the district recorded attendance (a SIS records it every
-- school day, so its last date is the extract's "today"). A district that sent no
-- attendance falls back to its latest dated event (an entry, incident, test, service
-- start or family contact). Exit dates and calendars never set it: exits are often
-- pre-filled with the year's last day or typed into a later year, and calendars run to
-- June (one exit typed as 2020 on a 2017 spell once made 2018 a "complete" year).
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
    select max(entry_date) as latest_date from enrollments
    union all
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

latest as (
    select
        latest_attendance.latest_attendance_date,
        coalesce(
            latest_attendance.latest_attendance_date, latest_other.latest_other_date
        ) as latest_data_date
    from latest_attendance
    cross join latest_other
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
