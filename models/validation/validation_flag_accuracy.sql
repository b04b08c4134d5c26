-- Grain: one row per method per evaluation slice per risk threshold (method,
-- evaluation_slice, risk_threshold): how well each of the project's own yes/no flags and
-- each graduation model at a few thresholds pick out the students who did not graduate
-- on time, on the out-of-time test cohorts of the graduation models, beside the
-- published flags of the same kind (Bowers, Sprott & Taff 2013).
--
-- * Flags (seed validation_project_flags) are judged at the grade they are measured in,
--   at the end of the year, on the test cohort of the end-of-year graduation model of
--   that grade's band (grade 6: middle; grade 9: high); risk_threshold is null.
-- * Each graduation scoring model is judged at every threshold of var
--   validation_risk_thresholds (flagged at or above it), on its whole test cohort
--   ('all grades') and on each grade of it, so that its grade-6 and grade-9 rows sit on
--   the same students as the flags.
-- The counts of each come from int_project_flags__test_cohort_counts and
-- int_graduation_models__threshold_counts; here they become rates beside the literature.
with

flag_methods as (
    select * from {{ ref('int_project_flags__test_cohort_counts') }}
),

model_methods as (
    select * from {{ ref('int_graduation_models__threshold_counts') }}
),

literature as (
    select * from {{ ref('bowers2013_dropout_flags') }}
),

literature_kinds as (
    select * from {{ ref('bowers2013_flag_kinds') }}
),

methods as (
    select * from flag_methods
    union all
    select * from model_methods
),

literature_by_kind as (
    select
        literature_kinds.flag_kind,
        count(*) as literature_kind_flags,
        percentile_cont(0.5) within group (order by literature.precision)
            as literature_kind_median_precision,
        percentile_cont(0.5) within group (order by literature.sensitivity)
            as literature_kind_median_sensitivity,
        percentile_cont(0.5) within group (order by literature.specificity)
            as literature_kind_median_specificity
    from literature
    inner join literature_kinds
        on literature.flag_id = literature_kinds.flag_id
    group by literature_kinds.flag_kind
),

final as (
    select
        methods.method_type,
        methods.method,
        methods.risk_threshold,
        methods.evaluation_slice,
        methods.grade_band,
        methods.decision_point,
        methods.test_school_years,
        methods.flag_kind,
        methods.description,
        methods.students,
        methods.events,
        methods.flagged,
        methods.true_positives,
        cast(methods.flagged as {{ type_double() }}) / nullif(methods.students, 0) as flag_rate,
        cast(methods.true_positives as {{ type_double() }})
        / nullif(methods.flagged, 0) as precision,  -- noqa: RF04
        cast(methods.true_positives as {{ type_double() }})
        / nullif(methods.events, 0) as sensitivity,
        cast(
            methods.students - methods.events - methods.flagged + methods.true_positives
            as {{ type_double() }}
        )
        / nullif(methods.students - methods.events, 0) as specificity,
        cast(methods.flagged - methods.true_positives as {{ type_double() }})
        / nullif(methods.students - methods.events, 0) as false_positive_rate,
        methods.literature_flag_id,
        literature.study as literature_study,
        literature.dropout_indicator as literature_indicator,
        literature.precision as literature_precision,
        literature.sensitivity as literature_sensitivity,
        literature.specificity as literature_specificity,
        coalesce(literature_by_kind.literature_kind_flags, 0) as literature_kind_flags,
        literature_by_kind.literature_kind_median_precision,
        literature_by_kind.literature_kind_median_sensitivity,
        literature_by_kind.literature_kind_median_specificity
    from methods
    left join literature
        on methods.literature_flag_id = literature.flag_id
    left join literature_by_kind
        on methods.flag_kind = literature_by_kind.flag_kind
)

select * from final
