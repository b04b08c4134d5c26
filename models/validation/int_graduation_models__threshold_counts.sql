-- Grain: one row per graduation scoring model per risk threshold per evaluation slice
-- (method, risk_threshold, evaluation_slice): each on-time graduation scoring model of
-- ml_out_of_time_scores judged at every threshold of var validation_risk_thresholds
-- (flagged at or above it), on its whole test cohort ('all grades') and on each grade of
-- it: the students, those who did not graduate on time (events), those flagged, and
-- those both (true positives). Read by validation_flag_accuracy.
-- A view: one model reads it.
{{ config(materialized='view', schema='int', access='private') }}

with

scores as (
    select * from {{ ref('ml_out_of_time_scores') }}
),

graduation_scores as (
    select *
    from scores
    where outcome = 'on_time_graduation' and is_scoring_model
),

thresholds as (
    {%- for threshold in var('validation_risk_thresholds') %}
        select cast({{ threshold }} as {{ type_double() }}) as risk_threshold
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

model_slices as (
    select
        model_id,
        grade_band,
        decision_point,
        test_school_years,
        'all grades' as evaluation_slice,
        is_adverse_outcome,
        risk_probability
    from graduation_scores
    union all
    select
        model_id,
        grade_band,
        decision_point,
        test_school_years,
        {{ dbt.concat(["'grade '", dbt.cast('grade_level', dbt.type_string())]) }}
            as evaluation_slice,
        is_adverse_outcome,
        risk_probability
    from graduation_scores
),

final as (
    select
        'model' as method_type,
        model_slices.model_id as method,  -- noqa: RF04
        thresholds.risk_threshold,
        model_slices.evaluation_slice,
        model_slices.grade_band,
        model_slices.decision_point,
        model_slices.test_school_years,
        'model' as flag_kind,
        {{ dbt.concat([
            "'On-time graduation model, '",
            'model_slices.grade_band',
            "' band at '",
            'model_slices.decision_point',
            "': calibrated risk at or above '",
            dbt.cast('thresholds.risk_threshold', dbt.type_string())
        ]) }} as description,
        cast(null as integer) as literature_flag_id,
        count(*) as students,
        cast(
            sum(case when model_slices.is_adverse_outcome then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as events,
        cast(sum(
            case when model_slices.risk_probability >= thresholds.risk_threshold then 1 else 0 end
        ) as {{ dbt.type_bigint() }}) as flagged,
        cast(sum(
            case
                when
                    model_slices.is_adverse_outcome
                    and model_slices.risk_probability >= thresholds.risk_threshold
                    then 1
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as true_positives
    from model_slices
    cross join thresholds
    group by
        model_slices.model_id,
        thresholds.risk_threshold,
        model_slices.evaluation_slice,
        model_slices.grade_band,
        model_slices.decision_point,
        model_slices.test_school_years
)

select * from final
