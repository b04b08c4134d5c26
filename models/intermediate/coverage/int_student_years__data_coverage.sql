-- Grain: one row per student per school year of the spine (student_id, school_year).
-- For each indicator family (macro coverage_indicators), the worst coverage status of
-- the schools the student was enrolled in that year (int_school_years__indicator_coverage):
-- an indicator is unknown for the student-year when its data is absent at any of them
-- (doc block data_coverage). unknown_indicators lists those in words, null when none.
{{ config(materialized='table') }}

with

student_years as (
    select * from {{ ref('int_student_years') }}
),

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

indicator_coverage as (
    select * from {{ ref('int_school_years__indicator_coverage') }}
),

student_schools as (
    select distinct
        student_id,
        school_year,
        school_id
    from spells
),

student_indicators as (
    select
        student_schools.student_id,
        student_schools.school_year,
        indicator_coverage.indicator,
        indicator_coverage.indicator_words,
        min({{ coverage_status_rank('indicator_coverage.status') }}) as status_rank
    from student_schools
    inner join indicator_coverage
        on
            student_schools.school_id = indicator_coverage.school_id
            and student_schools.school_year = indicator_coverage.school_year
    group by
        student_schools.student_id,
        student_schools.school_year,
        indicator_coverage.indicator,
        indicator_coverage.indicator_words
),

pivoted as (
    select
        student_id,
        school_year,
        {%- for indicator in coverage_indicators() %}
            {{ coverage_status_of_rank(
                "min(case when indicator = '" ~ indicator ~ "' then status_rank end)"
            ) }} as {{ indicator }}_data_status,
        {%- endfor %}
        -- nullif: Spark's listagg of no values is '', DuckDB's and Postgres's is null
        nullif(
            {{ dbt.listagg(
                "case when status_rank = 1 then indicator_words end",
                "', '",
                "order by indicator"
            ) }},
            ''
        ) as unknown_indicators
    from student_indicators
    group by student_id, school_year
),

final as (
    select
        student_years.student_id,
        student_years.school_year,
        {%- for indicator in coverage_indicators() %}
            coalesce(pivoted.{{ indicator }}_data_status, 'absent')
                as {{ indicator }}_data_status,
        {%- endfor %}
        pivoted.unknown_indicators
    from student_years
    left join pivoted
        on
            student_years.student_id = pivoted.student_id
            and student_years.school_year = pivoted.school_year
)

select * from final
