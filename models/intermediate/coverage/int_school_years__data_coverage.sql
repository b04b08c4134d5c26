-- Grain: one row per school per school year with an enrollment by the as-of date per
-- raw source (school_id, school_year, source_name). What the data supports, decided once
-- (doc block data_coverage): a source is present, partial, absent, not yet due (marks
-- before a term ends, state tests before spring), not started (a school year whose
-- first school day is after the as-of date) or not applicable (no tested grade at the
-- school). Sources are the optional raw tables (their rules:
-- int_school_years__table_coverage), the calendar and attendance, and the optional
-- columns an extract may leave empty (table.column).
{{ config(materialized='table') }}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

table_coverage as (
    select * from {{ ref('int_school_years__table_coverage') }}
),

column_coverage as (
    select * from {{ ref('int_school_years__column_coverage') }}
),

school_years as (
    select distinct
        school_id,
        school_year
    from spells
),

table_sources as (
    select
        school_id,
        school_year,
        source_name,
        rows_found,
        cast(null as {{ type_double() }}) as share_with_value,
        last_data_date,
        cast(null as date) as data_complete_through_date,
        status,
        absent_reason,
        case status
            when 'not_applicable' then not_applicable_reason
            when 'not_due' then not_due_reason
        end as status_reason
    from table_coverage
),

calendar_coverage as (
    select
        school_years.school_id,
        school_years.school_year,
        'calendar_days' as source_name,
        coalesce(calendar_bounds.instructional_days_in_year, 0) as rows_found,
        cast(null as {{ type_double() }}) as share_with_value,
        calendar_bounds.last_instructional_date as last_data_date,
        cast(null as date) as data_complete_through_date,
        case when calendar_bounds.school_id is null then 'absent' else 'present' end as status,
        'no calendar of instructional days for the school this year' as absent_reason,
        cast(null as {{ dbt.type_string() }}) as status_reason
    from school_years
    left join calendar_bounds
        on
            school_years.school_id = calendar_bounds.school_id
            and school_years.school_year = calendar_bounds.school_year
),

attendance_coverage as (
    select
        school_years.school_id,
        school_years.school_year,
        'attendance_events' as source_name,
        cast(null as {{ dbt.type_bigint() }}) as rows_found,
        cast(null as {{ type_double() }}) as share_with_value,
        calendar_bounds.last_attendance_event_date as last_data_date,
        calendar_bounds.attendance_complete_through_date as data_complete_through_date,
        coalesce(calendar_bounds.attendance_status, 'absent') as status,
        case
            when calendar_bounds.school_id is null
                then 'no calendar: the school days to count are unknown'
            else 'no attendance recorded for the school this year'
        end as absent_reason,
        cast(null as {{ dbt.type_string() }}) as status_reason
    from school_years
    left join calendar_bounds
        on
            school_years.school_id = calendar_bounds.school_id
            and school_years.school_year = calendar_bounds.school_year
),

unioned as (
    select * from table_sources
    union all
    select * from calendar_coverage
    union all
    select * from attendance_coverage
    union all
    select
        *,
        cast(null as {{ dbt.type_string() }}) as status_reason
    from column_coverage
),

final as (
    select
        school_id,
        school_year,
        source_name,
        status,
        cast(rows_found as {{ dbt.type_bigint() }}) as rows_found,
        share_with_value,
        last_data_date,
        data_complete_through_date,
        case
            when status = 'absent' then absent_reason
            when status = 'partial' and source_name = 'attendance_events'
                then
                    'attendance recorded only through '
                    || cast(data_complete_through_date as {{ dbt.type_string() }})
                    || ': later days are not counted'
            when status = 'partial'
                then
                    'carried by '
                    || cast(round(100 * share_with_value) as {{ dbt.type_int() }})
                    || '% of the rows only'
            when status = 'not_started' then 'the school year has not started'
            -- a table's own reason for not due and not applicable
            -- (int_school_years__table_coverage)
            else status_reason
        end as reason
    from unioned
)

select * from final
