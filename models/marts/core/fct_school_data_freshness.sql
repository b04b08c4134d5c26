-- Grain: one row per school per dated raw table (school_id, source_table). The last date
-- with data each school has in each raw table that carries a school and a date, up to the
-- as-of date, beside the district's latest date in that table: a school whose extract
-- lags (attendance not submitted for the last days) shows here. Whole tables are judged
-- by `dbt source freshness`; this mart is the same question asked school by school.
-- Attendance is judged by the one rule that also decides which days count as present
-- (int_school_years__calendar_bounds, this school year): lagging when the school's
-- attendance is partial or absent. The calendar is lagging when its last date is more
-- than var('lagging_school_days') days behind the district's, or it has none.
with

schools as (
    select * from {{ ref('stg_sis__schools') }}
),

enrollments as (
    select * from {{ ref('stg_sis__enrollments') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
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

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

-- this school year's attendance status of each school (a school year runs from July)
attendance_now as (
    select
        calendar_bounds.school_id,
        calendar_bounds.attendance_status
    from calendar_bounds
    cross join as_of
    where
        calendar_bounds.school_year = {{ school_year_of('as_of.as_of_date') }}
),

-- the dated raw tables, and whether the SIS adds rows to them every school day
source_tables as (
    select
        'calendar_days' as source_table,
        'calendar_date' as date_column,
        true as is_daily_table
    union all
    select
        'attendance_events' as source_table,
        'event_date' as date_column,
        true as is_daily_table
    union all
    select
        'enrollments' as source_table,
        'entry_date' as date_column,
        false as is_daily_table
    union all
    select
        'discipline_incidents' as source_table,
        'incident_date' as date_column,
        false as is_daily_table
    union all
    select
        'assessments' as source_table,
        'administration_date' as date_column,
        false as is_daily_table
    union all
    select
        'program_services' as source_table,
        'start_date' as date_column,
        false as is_daily_table
    union all
    select
        'parent_contacts' as source_table,
        'contact_date' as date_column,
        false as is_daily_table
),

dated_rows as (
    select
        school_id,
        'calendar_days' as source_table,
        calendar_date as data_date
    from calendar_days
    union all
    select
        school_id,
        'attendance_events' as source_table,
        event_date as data_date
    from attendance_events
    union all
    select
        school_id,
        'enrollments' as source_table,
        entry_date as data_date
    from enrollments
    union all
    select
        school_id,
        'discipline_incidents' as source_table,
        incident_date as data_date
    from discipline_incidents
    union all
    select
        school_id,
        'assessments' as source_table,
        administration_date as data_date
    from assessments
    union all
    select
        school_id,
        'program_services' as source_table,
        start_date as data_date
    from program_services
    union all
    select
        school_id,
        'parent_contacts' as source_table,
        contact_date as data_date
    from parent_contacts
),

school_dates as (
    select
        dated_rows.school_id,
        dated_rows.source_table,
        count(*) as row_count,
        min(dated_rows.data_date) as first_data_date,
        max(dated_rows.data_date) as last_data_date
    from dated_rows
    cross join as_of
    where dated_rows.data_date <= as_of.as_of_date
    group by dated_rows.school_id, dated_rows.source_table
),

-- every school with every table, so a school that sent nothing shows too
school_tables as (
    select
        schools.school_id,
        source_tables.source_table,
        source_tables.date_column,
        source_tables.is_daily_table,
        coalesce(school_dates.row_count, 0) as row_count,
        school_dates.first_data_date,
        school_dates.last_data_date
    from schools
    cross join source_tables
    left join school_dates
        on
            schools.school_id = school_dates.school_id
            and source_tables.source_table = school_dates.source_table
),

with_district as (
    select
        *,
        max(last_data_date) over (partition by source_table) as district_last_data_date
    from school_tables
),

final as (
    select
        with_district.school_id,
        with_district.source_table,
        with_district.date_column,
        with_district.is_daily_table,
        with_district.row_count,
        with_district.first_data_date,
        with_district.last_data_date,
        with_district.district_last_data_date,
        as_of.as_of_date,
        {{ dbt.datediff(
            'with_district.last_data_date', 'with_district.district_last_data_date', 'day'
        ) }} as days_behind_district,
        {{ dbt.datediff('with_district.last_data_date', 'as_of.as_of_date', 'day') }}
            as days_behind_as_of,
        case
            when with_district.source_table = 'attendance_events'
                then coalesce(attendance_now.attendance_status in ('partial', 'absent'), false)
            else
                coalesce(
                    with_district.is_daily_table
                    and (
                        with_district.last_data_date is null
                        or {{ dbt.datediff(
                            'with_district.last_data_date',
                            'with_district.district_last_data_date',
                            'day'
                        ) }} > {{ var('lagging_school_days', 3) }}
                    ),
                    false
                )
        end as is_lagging
    from with_district
    cross join as_of
    left join attendance_now
        on with_district.school_id = attendance_now.school_id
)

select * from final
