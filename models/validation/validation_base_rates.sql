-- Grain: one row per national benchmark (measure, population, benchmark_school_year): the
-- published US figure (seed national_benchmarks) beside the district's own rate over the
-- school years the measure seed names (validation_base_rate_measures), with the tolerance
-- the synthetic district is held to (seed synth_calibration_targets) and pass or fail.
--
-- Enforced only for a district made by `k12ews generate` with the national profile (the
-- profile calibrated to these figures) at the size the tolerances are set for (var
-- validation_min_generated_students a year): the generator's config row in
-- truth.generation says so, read at compile time. No model reads the latent truth; a
-- district's own loaded data has no truth schema (the loader drops it), so its
-- comparison is shown and never enforced. Var validation_enforce_base_rates (true/false)
-- overrides the detection.
{%- set generator = {} -%}
{%- if execute -%}
    {%- set generation = adapter.get_relation(
        database=target.database, schema='truth', identifier='generation'
    ) -%}
    {%- if generation is not none -%}
        {%- set config_rows = run_query(
            "select value from " ~ generation ~ " where key = 'config'"
        ) -%}
        {%- if config_rows | length > 0 -%}
            {%- do generator.update(fromjson(config_rows.columns[0].values()[0])) -%}
        {%- endif -%}
    {%- endif -%}
{%- endif -%}
{%- set generated_profile = generator.get('profile') -%}
{%- set enforce_override = var('validation_enforce_base_rates') -%}
{%- if enforce_override is not none -%}
    {%- set enforce = enforce_override in [true, 'true', 'True'] -%}
{%- else -%}
    {%- set enforce = generated_profile == 'national'
        and generator.get('students', 0) | int >= var('validation_min_generated_students') -%}
{%- endif %}

with

benchmarks as (
    select * from {{ ref('national_benchmarks') }}
),

measures as (
    select * from {{ ref('validation_base_rate_measures') }}
),

targets as (
    select * from {{ ref('synth_calibration_targets') }}
),

district_rates as (
    select * from {{ ref('validation_district_rates') }}
),

indicator_coverage as (
    select * from {{ ref('fct_indicator_coverage') }}
),

-- the indicator family each district measure is computed from (doc block data_coverage)
measure_indicators as (
    select distinct
        district_measure,
        case
            when district_measure like 'acgr%' then 'graduation'
            when district_measure like 'not_on_time%' then 'graduation'
            when district_measure like 'chronic_absence%' then 'attendance'
            when district_measure like 'share%' then 'student_groups'
            when district_measure like 'oss%' then 'behaviour'
            when district_measure like 'expulsion%' then 'behaviour'
            when district_measure like 'proficient%' then 'assessments'
        end as indicator
    from measures
),

-- where the district's data cannot support an indicator: school-years absent, a reason
indicator_gaps as (
    select
        indicator,
        max(indicator_words) as indicator_words,
        count(*) as school_years,
        sum(case when status = 'absent' then 1 else 0 end) as absent_school_years,
        min(case when status = 'absent' then reason end) as example_reason
    from indicator_coverage
    group by indicator
),

pooled as (
    select
        measures.measure,
        measures.population,
        measures.benchmark_school_year,
        min(district_rates.school_year) as district_first_school_year,
        max(district_rates.school_year) as district_last_school_year,
        cast(sum(district_rates.students) as {{ dbt.type_bigint() }}) as district_students,
        cast(sum(district_rates.events) as {{ dbt.type_bigint() }}) as district_events
    from measures
    inner join district_rates
        on
            measures.district_measure = district_rates.district_measure
            and district_rates.school_year
            >= coalesce(measures.first_school_year, district_rates.school_year)
            and district_rates.school_year
            <= coalesce(measures.last_school_year, district_rates.school_year)
    group by measures.measure, measures.population, measures.benchmark_school_year
),

compared as (
    select
        benchmarks.measure,
        benchmarks.population,
        benchmarks.school_year as benchmark_school_year,
        benchmarks.value as benchmark_value,
        benchmarks.definition as benchmark_definition,
        benchmarks.source as benchmark_source,
        measures.district_measure,
        measures.district_definition,
        pooled.district_first_school_year,
        pooled.district_last_school_year,
        pooled.district_students,
        pooled.district_events,
        case
            -- no graduate at all in complete cohorts: the exit codes' meanings, not a
            -- rate (an unmapped graduation code reads as nobody graduating)
            when measures.district_measure like 'acgr%' and pooled.district_events = 0
                then null
            else
                cast(pooled.district_events as {{ type_double() }})
                / nullif(pooled.district_students, 0)
        end as district_rate,
        targets.tolerance,
        coalesce(targets.enforced, false) as is_enforced_for_generated_district,
        targets.source as tolerance_source,
        case
            when
                measures.district_measure like 'acgr%'
                and pooled.district_events = 0
                and pooled.district_students > 0
                then
                    'no member of these cohorts has an exit coded as a graduation: check '
                    || 'which exit codes mean a regular diploma (seed xwalk_exit_codes, '
                    || 'is_graduate)'
            when indicator_gaps.absent_school_years > 0
                then
                    indicator_gaps.indicator_words || ' absent in '
                    || cast(indicator_gaps.absent_school_years as {{ dbt.type_string() }})
                    || ' of ' || cast(indicator_gaps.school_years as {{ dbt.type_string() }})
                    || ' school-years (' || indicator_gaps.example_reason || ')'
        end as data_coverage_note
    from benchmarks
    left join measures
        on
            benchmarks.measure = measures.measure
            and benchmarks.population = measures.population
            and coalesce(benchmarks.school_year, -1)
            = coalesce(measures.benchmark_school_year, -1)
    left join pooled
        on
            benchmarks.measure = pooled.measure
            and benchmarks.population = pooled.population
            and coalesce(benchmarks.school_year, -1) = coalesce(pooled.benchmark_school_year, -1)
    left join measure_indicators
        on measures.district_measure = measure_indicators.district_measure
    left join indicator_gaps
        on measure_indicators.indicator = indicator_gaps.indicator
    left join targets
        on
            measures.calibration_profile = targets.profile
            and measures.calibration_measure = targets.measure
            and measures.calibration_population = targets.population
),

checked as (
    select
        *,
        district_rate - benchmark_value as difference,
        case
            when district_rate is null or tolerance is null then null
            else abs(district_rate - benchmark_value) <= tolerance
        end as is_within_tolerance,
        {{ 'true' if enforce else 'false' }} and is_enforced_for_generated_district
        and district_rate is not null
        and district_students >= {{ var('validation_min_students') }} as is_enforced
    from compared
),

final as (
    select
        measure,
        population,
        benchmark_school_year,
        benchmark_value,
        benchmark_definition,
        benchmark_source,
        district_measure,
        district_definition,
        district_first_school_year,
        district_last_school_year,
        district_students,
        district_events,
        district_rate,
        difference,
        tolerance,
        tolerance_source,
        is_within_tolerance,
        is_enforced,
        data_coverage_note,
        {{ "'generated (" ~ generated_profile ~ " profile, " ~ generator.get('students')
            ~ " students a year)'" if generated_profile else "'loaded'" }} as district_source,
        case
            when district_rate is null and data_coverage_note is not null
                then 'no district figure: ' || data_coverage_note
            when district_rate is null then 'no district figure'
            when tolerance is null then 'shown (no tolerance published)'
            when is_enforced and is_within_tolerance then 'pass'
            when is_enforced then 'fail'
            when is_within_tolerance then 'within tolerance (not enforced)'
            else 'outside tolerance (not enforced)'
        end as check_result
    from checked
)

select * from final
