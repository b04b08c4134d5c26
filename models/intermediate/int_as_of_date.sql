-- Grain: one row. The date the warehouse is built as of: var('as_of_date'), or the
-- latest date with data in the SIS extract when the var is null.
with

enrollments as (
    select * from {{ ref('stg_sis__enrollments') }}
),

attendance_events as (
    select * from {{ ref('stg_sis__attendance_events') }}
),

latest_dates as (
    select max(entry_date) as latest_date from enrollments
    union all
    select max(exit_date) as latest_date from enrollments
    union all
    select max(event_date) as latest_date from attendance_events
),

latest as (
    select max(latest_date) as latest_data_date from latest_dates
),

final as (
    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date) as as_of_date,
        {%- else -%}
            latest_data_date as as_of_date,
        {%- endif %}
        latest_data_date
    from latest
)

select * from final
