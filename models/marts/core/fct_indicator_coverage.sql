-- Grain: one row per school per school year with an enrollment per early-warning
-- indicator family (school_id, school_year, indicator). Whether the data supports the
-- indicator there (present, partial, absent, not due, not started, not applicable) and
-- why (int_school_years__indicator_coverage; doc block data_coverage). Where it is
-- absent the indicator's columns are null in every mart and it fires no flag.
with

coverage as (
    select * from {{ ref('int_school_years__indicator_coverage') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

final as (
    select
        coverage.school_id,
        schools.school_name,
        coverage.school_year,
        coverage.indicator,
        coverage.indicator_words,
        coverage.status,
        coverage.reason
    from coverage
    left join schools
        on coverage.school_id = schools.school_id
)

select * from final
