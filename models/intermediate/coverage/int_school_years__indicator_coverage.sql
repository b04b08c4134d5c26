-- Grain: one row per school per school year with an enrollment per early-warning
-- indicator family (school_id, school_year, indicator). An indicator's status is the
-- worst status of the raw sources it is computed from (seed ews_indicator_sources;
-- worst first: absent, not started, not due, partial, present, not applicable), with
-- the reasons of the sources that are not present (doc block data_coverage).
{{ config(materialized='table') }}

with

source_coverage as (
    select * from {{ ref('int_school_years__data_coverage') }}
),

indicator_sources as (
    select * from {{ ref('ews_indicator_sources') }}
),

joined as (
    select
        source_coverage.school_id,
        source_coverage.school_year,
        indicator_sources.indicator,
        indicator_sources.indicator_words,
        source_coverage.source_name,
        source_coverage.status,
        source_coverage.reason,
        {{ coverage_status_rank('source_coverage.status') }} as status_rank
    from source_coverage
    inner join indicator_sources
        on source_coverage.source_name = indicator_sources.source_name
),

final as (
    select
        school_id,
        school_year,
        indicator,
        indicator_words,
        {{ coverage_status_of_rank('min(status_rank)') }} as status,
        -- nullif: Spark's listagg of no values is '', DuckDB's and Postgres's is null
        nullif(
            {{ dbt.listagg(
                "case when status not in ('present', 'not_applicable') then source_name || ': ' "
                ~ "|| reason end",
                "'; '",
                "order by source_name"
            ) }},
            ''
        ) as reason
    from joined
    group by school_id, school_year, indicator, indicator_words
)

select * from final
