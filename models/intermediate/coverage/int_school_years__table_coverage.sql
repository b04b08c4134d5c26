-- Grain: one row per school per school year with an enrollment by the as-of date per
-- optional raw table (school_id, school_year, source_name). Whether the table covers
-- the school-year (doc block data_coverage), read by int_school_years__data_coverage:
--   * tables given to students of some grades (state tests, the social-emotional
--     screener, the climate survey, math interims, the college-readiness exam): present
--     with a row of the school's; not applicable where the school has no grade the
--     district gives it to (known once the district sent any); not due in a year under
--     way before the district gives any; else absent;
--   * course marks: present with a row, not due before any school of the level has some
--     in a year under way, else absent;
--   * tables where no row is a normal count (incidents, services, family contacts,
--     activities, and in high school advanced courses, CTE, FAFSA in grade var
--     fafsa_grade and the graduates' post-secondary terms): present in a year the
--     district sent any rows, and in the year under way of a table it sent for earlier
--     years; not applicable to a school without the grades the table is about;
--     post-secondary terms are not due before the fall after graduating is over (var
--     postsecondary_fall_cutoff_month_day); else absent.
{{ config(materialized='table') }}

{%- set graded_tables = [
    'assessments', 'sel_screener_results', 'climate_survey_responses',
    'math_interim_assessments', 'college_readiness_exams',
] %}
{%- set record_tables = [
    'discipline_incidents', 'program_services', 'parent_contacts',
    'extracurricular_participation', 'advanced_coursework', 'cte_participation',
    'fafsa_completions', 'postsecondary_enrollments',
] %}
{#- FAFSA applies to the grade var fafsa_grade instead (school_year_applies) -#}
{%- set high_school_tables = [
    'advanced_coursework', 'cte_participation', 'postsecondary_enrollments',
] %}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

schools as (
    select * from {{ ref('stg_sis__schools') }}
),

school_rows as (
    select * from {{ ref('int_school_years__source_rows') }}
),

assessments as (
    select * from {{ ref('stg_sis__assessments') }}
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

-- the grades the district gives each graded table to (an extract without the table
-- gives it to none we know)
source_grades as (
    {%- for source in graded_tables %}
        select distinct
            '{{ source }}' as source_name,
            grade_level
        from {{ source }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- school-years a table applies to: a student at a grade the district gives it to, a
-- high-school student, or a student in the FAFSA grade
school_year_applies as (
    select distinct
        spells.school_id,
        spells.school_year,
        source_grades.source_name
    from spells
    inner join source_grades
        on spells.grade_level = source_grades.grade_level
    {%- for source in high_school_tables %}
        union all
        select distinct
            school_id,
            school_year,
            '{{ source }}' as source_name
        from spells
        where grade_band = 'high'
    {%- endfor %}
    union all
    select distinct
        school_id,
        school_year,
        'fafsa_completions' as source_name
    from spells
    where grade_level = {{ var('fafsa_grade') }}
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

-- every table source and the kind of its rule: course marks, a table given to some
-- grades, a table where no row is a normal count
table_sources as (
    select
        'course_grades' as source_name,
        'marks' as source_kind
    {%- for source in graded_tables %}
        union all
        select
            '{{ source }}' as source_name,
            'graded' as source_kind
    {%- endfor %}
    {%- for source in record_tables %}
        union all
        select
            '{{ source }}' as source_name,
            'records' as source_kind
    {%- endfor %}
),

joined as (
    select
        school_years.school_id,
        school_years.school_year,
        table_sources.source_name,
        table_sources.source_kind,
        coalesce(school_rows.rows_found, 0) as rows_found,
        school_rows.last_data_date,
        district_rows.rows_found as district_rows_found,
        district_sources.first_school_year,
        school_year_applies.school_id is not null as is_applicable,
        table_sources.source_name in (
            'advanced_coursework', 'cte_participation', 'postsecondary_enrollments',
            'fafsa_completions'
        ) as is_for_grades_of_high_school,
        level_marks.school_id is not null as has_level_marks,
        coalesce(calendar_bounds.is_year_complete, false) as is_year_complete,
        school_years.school_year >= as_of.as_of_school_year as is_year_under_way,
        as_of.as_of_date < {{ date_in_year(
            'school_years.school_year', var('postsecondary_fall_cutoff_month_day')
        ) }} as is_before_first_fall_end
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
    left join district_sources
        on table_sources.source_name = district_sources.source_name
    left join school_year_applies
        on
            school_years.school_id = school_year_applies.school_id
            and school_years.school_year = school_year_applies.school_year
            and table_sources.source_name = school_year_applies.source_name
    left join level_marks
        on
            school_years.school_id = level_marks.school_id
            and school_years.school_year = level_marks.school_year
    left join calendar_bounds
        on
            school_years.school_id = calendar_bounds.school_id
            and school_years.school_year = calendar_bounds.school_year
),

final as (
    select
        school_id,
        school_year,
        source_name,
        rows_found,
        last_data_date,
        case
            when rows_found > 0 then 'present'
            when
                source_kind = 'graded'
                and first_school_year is not null
                and not is_applicable
                then 'not_applicable'
            when is_for_grades_of_high_school and not is_applicable then 'not_applicable'
            when
                is_year_under_way
                and not is_year_complete
                and (
                    (source_kind = 'marks' and not has_level_marks)
                    or (source_kind = 'graded' and coalesce(district_rows_found, 0) = 0)
                )
                then 'not_due'
            when source_name = 'postsecondary_enrollments' and is_before_first_fall_end
                then 'not_due'
            when
                source_kind = 'records'
                and (
                    district_rows_found > 0
                    or (is_year_under_way and first_school_year < school_year)
                )
                then 'present'
            else 'absent'
        end as status,
        case
            when source_name = 'course_grades'
                then 'no course marks for the school this year'
            when source_name = 'assessments'
                then 'no state test results for the school this year'
            when source_name = 'postsecondary_enrollments'
                then 'no post-secondary enrollment records for the graduates of this year'
            when source_kind = 'graded'
                then 'no ' || replace(source_name, '_', ' ') || ' for the school this year'
            else 'no ' || replace(source_name, '_', ' ') || ' in the district this year'
        end as absent_reason,
        case
            when source_name = 'assessments' then 'no tested grade at the school'
            when source_kind = 'graded'
                then 'no grade at the school that the district gives it to'
            when source_name = 'fafsa_completions'
                then 'no grade-{{ var("fafsa_grade") }} students at the school'
            else 'no high-school grade at the school'
        end as not_applicable_reason,
        case
            when source_name = 'course_grades' then 'no term has ended yet'
            when source_name = 'postsecondary_enrollments'
                then 'the first fall after graduating is not over yet'
            else 'not given yet this year'
        end as not_due_reason
    from joined
)

select * from final
