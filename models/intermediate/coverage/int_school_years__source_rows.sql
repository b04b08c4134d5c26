-- Grain: one row per dated raw table per school per school year with a row of it up to
-- the as-of date (source_name, school_id, school_year): how many rows the school has in
-- each of the optional tables the data-coverage rules count (course marks by term end,
-- state tests, incidents, services and family contacts by their date, activities by
-- school year), and the date of the latest. Read by int_school_years__data_coverage.
{{ config(materialized='table') }}

with

course_grades as (
    select * from {{ ref('int_course_grades__dated') }}
),

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
),

discipline_incidents as (
    select * from {{ ref('stg_sis__discipline_incidents') }}
),

program_services as (
    select * from {{ ref('stg_sis__program_services') }}
),

parent_contacts as (
    select * from {{ ref('stg_sis__parent_contacts') }}
),

activities as (
    select * from {{ ref('stg_sis__extracurricular_participation') }}
),

as_of as (
    select
        as_of_date,
        {{ school_year_of('as_of_date') }} as as_of_school_year
    from {{ ref('int_warehouse__as_of_date') }}
),

-- rows each school has in each dated table up to the as-of date
{%- set dated_tables = [
    ('assessments', 'assessments', 'administration_date'),
    ('discipline_incidents', 'discipline_incidents', 'incident_date'),
    ('program_services', 'program_services', 'start_date'),
    ('parent_contacts', 'parent_contacts', 'contact_date'),
] %}
final as (
    select
        'course_grades' as source_name,
        school_id,
        school_year,
        count(*) as rows_found,
        max(term_end_date) as last_data_date
    from course_grades
    group by school_id, school_year
    {%- for source, cte, date in dated_tables %}
        union all
        select
            '{{ source }}' as source_name,
            {{ cte }}.school_id,
            {{ cte }}.school_year,
            count(*) as rows_found,
            max({{ cte }}.{{ date }}) as last_data_date
        from {{ cte }}
        cross join as_of
        where {{ cte }}.{{ date }} <= as_of.as_of_date
        group by {{ cte }}.school_id, {{ cte }}.school_year
    {%- endfor %}
    union all
    select
        'extracurricular_participation' as source_name,
        activities.school_id,
        activities.school_year,
        count(*) as rows_found,
        cast(null as date) as last_data_date
    from activities
    cross join as_of
    where activities.school_year <= as_of.as_of_school_year
    group by activities.school_id, activities.school_year
)

select * from final
