with

source_calendar_days as (
    select * from {{ source('sis', 'calendar_days') }}
),

xwalk_calendar_events as (
    select * from {{ ref('xwalk_calendar_events') }}
),

renamed as (
    select
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(calendar_date as date) as calendar_date,
        cast(is_instructional_day as {{ dbt.type_boolean() }}) as is_instructional_day,
        cast(calendar_event as {{ dbt.type_string() }}) as calendar_event,
        cast(quarter as {{ dbt.type_int() }}) as grading_quarter,
        cast(semester as {{ dbt.type_int() }}) as semester
    from source_calendar_days
),

categorised as (
    select
        renamed.school_id,
        renamed.school_year,
        renamed.calendar_date,
        renamed.is_instructional_day,
        renamed.calendar_event,
        xwalk_calendar_events.description as calendar_event_description,
        renamed.grading_quarter,
        renamed.semester
    from renamed
    left join xwalk_calendar_events
        on renamed.calendar_event = xwalk_calendar_events.calendar_event
),

final as (
    select * from categorised
)

select * from final
