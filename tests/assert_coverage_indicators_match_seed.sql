-- The indicator families int_student_years__data_coverage pivots into columns (macro
-- coverage_indicators) are exactly those of seed ews_indicator_sources. Fails with the
-- indicators found in one list only; fix by adding the indicator to the other (a new
-- seed indicator also needs its column in the marts' yml).
with

seeded as (
    select distinct indicator from {{ ref('ews_indicator_sources') }}
),

pivoted as (
    {%- for indicator in coverage_indicators() %}
        select '{{ indicator }}' as indicator
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        coalesce(seeded.indicator, pivoted.indicator) as indicator,
        case when seeded.indicator is null then 'macro only' else 'seed only' end as found_in
    from seeded
    full outer join pivoted
        on seeded.indicator = pivoted.indicator
    where seeded.indicator is null or pivoted.indicator is null
)

select * from final
