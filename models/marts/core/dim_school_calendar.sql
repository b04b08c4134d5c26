-- Grain: one row per school per calendar date (school_id, calendar_date): each school's
-- calendar as the SIS sent it, with each instructional day's place in the school year,
-- so models that date things by school days (decision points, the rest of the year)
-- read a mart, not staging.

with

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

numbered as (
    select
        school_id,
        school_year,
        calendar_date,
        is_instructional_day,
        calendar_event,
        calendar_event_description,
        grading_quarter,
        semester,
        case
            when is_instructional_day
                then sum(case when is_instructional_day then 1 else 0 end) over (
                    partition by school_id, school_year
                    order by calendar_date
                    rows between unbounded preceding and current row
                )
        end as instructional_day_number,
        sum(case when is_instructional_day then 1 else 0 end) over (
            partition by school_id, school_year
        ) as instructional_days_in_year
    from calendar_days
),

final as (
    select
        school_id,
        school_year,
        calendar_date,
        is_instructional_day,
        calendar_event,
        calendar_event_description,
        grading_quarter,
        semester,
        cast(instructional_day_number as {{ dbt.type_int() }}) as instructional_day_number,
        cast(instructional_days_in_year as {{ dbt.type_int() }}) as instructional_days_in_year
    from numbered
)

select * from final
