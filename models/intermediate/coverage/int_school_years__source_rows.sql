-- Grain: one row per dated raw table per school per school year with a row of it up to
-- the as-of date (source_name, school_id, school_year): how many rows the school has in
-- each of the optional tables the data-coverage rules count (course marks by term end;
-- state tests, incidents, services, family contacts, the social-emotional screener, the
-- climate survey, math interims, the college-readiness exam and FAFSA by their date;
-- post-secondary terms by their start, under the graduate's school and graduation year;
-- activities, advanced courses and CTE by school year), and the date of the latest.
-- Read by int_school_years__data_coverage.
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

extracurricular_participation as (
    select * from {{ ref('stg_sis__extracurricular_participation') }}
),

sel_screener_results as (
    select * from {{ ref('stg_sis__sel_screener_results') }}
),

climate_survey_responses as (
    select * from {{ ref('stg_sis__climate_survey_responses') }}
),

math_interim_assessments as (
    select * from {{ ref('stg_sis__math_interim_assessments') }}
),

college_readiness_exams as (
    select * from {{ ref('stg_sis__college_readiness_exams') }}
),

fafsa_completions as (
    select * from {{ ref('stg_sis__fafsa_completions') }}
),

postsecondary_enrollments as (
    select * from {{ ref('stg_sis__postsecondary_enrollments') }}
),

advanced_coursework as (
    select * from {{ ref('stg_sis__advanced_coursework') }}
),

cte_participation as (
    select * from {{ ref('stg_sis__cte_participation') }}
),

as_of as (
    select
        as_of_date,
        {{ school_year_of('as_of_date') }} as as_of_school_year
    from {{ ref('int_warehouse__as_of_date') }}
),

-- rows each school has in each dated table up to the as-of date
{%- set dated_tables = [
    ('assessments', 'administration_date'),
    ('discipline_incidents', 'incident_date'),
    ('program_services', 'start_date'),
    ('parent_contacts', 'contact_date'),
    ('sel_screener_results', 'administration_date'),
    ('climate_survey_responses', 'administration_date'),
    ('math_interim_assessments', 'administration_date'),
    ('college_readiness_exams', 'administration_date'),
    ('fafsa_completions', 'submitted_date'),
    ('postsecondary_enrollments', 'enrollment_begin'),
] %}
{%- set yearly_tables = [
    'extracurricular_participation', 'advanced_coursework', 'cte_participation'
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
    {%- for source, date in dated_tables %}
        union all
        select
            '{{ source }}' as source_name,
            {{ source }}.school_id,
            {{ source }}.school_year,
            count(*) as rows_found,
            max({{ source }}.{{ date }}) as last_data_date
        from {{ source }}
        cross join as_of
        where {{ source }}.{{ date }} <= as_of.as_of_date
        group by {{ source }}.school_id, {{ source }}.school_year
    {%- endfor %}
    {%- for source in yearly_tables %}
        union all
        select
            '{{ source }}' as source_name,
            {{ source }}.school_id,
            {{ source }}.school_year,
            count(*) as rows_found,
            cast(null as date) as last_data_date
        from {{ source }}
        cross join as_of
        where {{ source }}.school_year <= as_of.as_of_school_year
        group by {{ source }}.school_id, {{ source }}.school_year
    {%- endfor %}
)

select * from final
