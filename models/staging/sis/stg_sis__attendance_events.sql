with

source_attendance_events as (
    select * from {{ source('sis', 'attendance_events') }}
),

xwalk_attendance_events as (
    select * from {{ ref('xwalk_attendance_events') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(event_date as date) as event_date,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(event_duration as {{ type_double() }}) as event_duration,
        cast(minutes_missed as {{ dbt.type_int() }}) as minutes_missed
    from source_attendance_events
),

categorised as (
    select
        renamed.student_id,
        renamed.school_id,
        renamed.school_year,
        renamed.event_date,
        renamed.event_type,
        xwalk_attendance_events.event_category,
        xwalk_attendance_events.is_absence,
        xwalk_attendance_events.is_excused,
        renamed.event_duration,
        coalesce(renamed.event_duration, xwalk_attendance_events.default_event_duration)
            as effective_event_duration,
        xwalk_attendance_events.daily_precedence,
        renamed.minutes_missed
    from renamed
    left join xwalk_attendance_events
        on renamed.event_type = xwalk_attendance_events.event_type
),

final as (
    select * from categorised
)

select * from final
