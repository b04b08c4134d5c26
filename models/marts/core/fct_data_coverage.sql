-- Grain: one row per school per school year with an enrollment per raw source
-- (school_id, school_year, source_name). What the district's data supports, and why not
-- where it does not (int_school_years__data_coverage; doc block data_coverage). Every
-- indicator, flag, model, summary, report and validation row reads its status through
-- fct_indicator_coverage.
with

coverage as (
    select * from {{ ref('int_school_years__data_coverage') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

final as (
    select
        coverage.school_id,
        schools.school_name,
        coverage.school_year,
        coverage.source_name,
        coverage.status,
        coverage.reason,
        coverage.rows_found,
        coverage.share_with_value,
        coverage.last_data_date,
        coverage.data_complete_through_date
    from coverage
    left join schools
        on coverage.school_id = schools.school_id
)

select * from final
