-- Grain: one row per school per school year with an enrollment by the as-of date per
-- raw source (school_id, school_year, source_name). What the data supports, decided once
-- (doc block data_coverage): a source is present, partial, absent, not yet due (marks
-- before a term ends, state tests before spring), not started (a school year whose
-- first school day is after the as-of date) or not applicable (no tested grade at the
-- school). Sources are the optional raw tables and the optional columns an extract may
-- leave empty (table.column).
{{ config(materialized='table') }}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
),

schools as (
    select * from {{ ref('stg_sis__schools') }}
),

school_rows as (
    select * from {{ ref('int_school_years__source_rows') }}
),

column_coverage as (
    select * from {{ ref('int_school_years__column_coverage') }}
),

as_of as (
    select
        as_of_date,
        {{ school_year_of('as_of_date') }} as as_of_school_year
    from {{ ref('int_warehouse__as_of_date') }}
),

school_years as (
    select distinct
        school_id,
        school_year
    from spells
),

school_year_students as (
    select distinct
        school_id,
        school_year,
        student_id,
        grade_level
    from spells
),

-- grades the district tests at all (an extract without assessments tests none we know)
tested_grades as (
    select distinct grade_level from assessments
),

school_year_tested as (
    select distinct
        school_year_students.school_id,
        school_year_students.school_year
    from school_year_students
    inner join tested_grades
        on school_year_students.grade_level = tested_grades.grade_level
),

-- rows of each table in the whole district: a table the district sent for a year
district_rows as (
    select
        source_name,
        school_year,
        sum(rows_found) as rows_found
    from school_rows
    group by source_name, school_year
),

-- the first year the district sent each table for
district_sources as (
    select
        source_name,
        min(school_year) as first_school_year
    from district_rows
    group by source_name
),

-- school-years whose level (a school of the same level) has course marks this year
level_marks as (
    select distinct
        school_levels.school_id,
        school_rows.school_year
    from school_rows
    inner join schools as marked
        on school_rows.school_id = marked.school_id
    inner join schools as school_levels
        on marked.school_level = school_levels.school_level
    where school_rows.source_name = 'course_grades'
),

-- every school-year with every table source
table_sources as (
    select 'course_grades' as source_name
    union all
    select 'assessments' as source_name
    union all
    select 'discipline_incidents' as source_name
    union all
    select 'program_services' as source_name
    union all
    select 'parent_contacts' as source_name
    union all
    select 'extracurricular_participation' as source_name
),

table_coverage as (
    select
        school_years.school_id,
        school_years.school_year,
        table_sources.source_name,
        coalesce(school_rows.rows_found, 0) as rows_found,
        cast(null as {{ type_double() }}) as share_with_value,
        school_rows.last_data_date,
        cast(null as date) as data_complete_through_date,
        case
            when school_rows.rows_found > 0 then 'present'
            -- a school with no grade the district tests (known only if it tests any)
            when
                table_sources.source_name = 'assessments'
                and district_sources.first_school_year is not null
                and school_year_tested.school_id is null
                then 'not_applicable'
            -- marks before any school of the level has some this year; tests before
            -- the district gives any this year
            when
                school_years.school_year >= as_of.as_of_school_year
                and not coalesce(calendar_bounds.is_year_complete, false)
                and (
                    (
                        table_sources.source_name = 'course_grades'
                        and level_marks.school_id is null
                    )
                    or (
                        table_sources.source_name = 'assessments'
                        and coalesce(district_rows.rows_found, 0) = 0
                    )
                )
                then 'not_due'
            -- records where none is a normal count: present in a year the district
            -- sent any, and in the year under way of a table it sent for earlier years
            when
                table_sources.source_name
                in (
                    'discipline_incidents', 'program_services', 'parent_contacts',
                    'extracurricular_participation'
                )
                and (
                    district_rows.rows_found > 0
                    or (
                        school_years.school_year >= as_of.as_of_school_year
                        and district_sources.first_school_year < school_years.school_year
                    )
                )
                then 'present'
            else 'absent'
        end as status,
        case
            when table_sources.source_name = 'course_grades'
                then 'no course marks for the school this year'
            when table_sources.source_name = 'assessments'
                then 'no state test results for the school this year'
            else
                'no '
                || replace(table_sources.source_name, '_', ' ')
                || ' in the district this year'
        end as absent_reason
    from school_years
    cross join table_sources
    cross join as_of
    left join school_rows
        on
            school_years.school_id = school_rows.school_id
            and school_years.school_year = school_rows.school_year
            and table_sources.source_name = school_rows.source_name
    left join district_rows
        on
            school_years.school_year = district_rows.school_year
            and table_sources.source_name = district_rows.source_name
    left join school_year_tested
        on
            school_years.school_id = school_year_tested.school_id
            and school_years.school_year = school_year_tested.school_year
    left join district_sources
        on table_sources.source_name = district_sources.source_name
    left join level_marks
        on
            school_years.school_id = level_marks.school_id
            and school_years.school_year = level_marks.school_year
    left join calendar_bounds
        on
            school_years.school_id = calendar_bounds.school_id
            and school_years.school_year = calendar_bounds.school_year
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
        'no calendar of instructional days for the school this year' as absent_reason
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
        end as absent_reason
    from school_years
    left join calendar_bounds
        on
            school_years.school_id = calendar_bounds.school_id
            and school_years.school_year = calendar_bounds.school_year
),

unioned as (
    select * from table_coverage
    union all
    select * from calendar_coverage
    union all
    select * from attendance_coverage
    union all
    select * from column_coverage
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
            when status = 'not_due' and source_name = 'course_grades'
                then 'no term has ended yet'
            when status = 'not_due' then 'not given yet this year'
            when status = 'not_started' then 'the school year has not started'
            when status = 'not_applicable' and source_name = 'assessments'
                then 'no tested grade at the school'
        end as reason
    from unioned
)

select * from final
