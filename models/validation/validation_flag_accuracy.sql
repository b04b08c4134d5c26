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
with

scores as (
    select * from {{ ref('ml_out_of_time_scores') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

assessments as (
    select * from {{ ref('fct_assessments') }}
),

project_flags as (
    select * from {{ ref('validation_project_flags') }}
),

literature as (
    select * from {{ ref('bowers2013_dropout_flags') }}
),

literature_kinds as (
    select * from {{ ref('bowers2013_flag_kinds') }}
),

graduation_scores as (
    select *
    from scores
    where outcome = 'on_time_graduation' and is_scoring_model
),

cohort as (
    select
        student_id,
        school_year,
        grade_level,
        grade_band,
        test_school_years,
        is_adverse_outcome
    from graduation_scores
    where decision_point = 'eoy'
),

first_grade_3_reading as (
    select
        student_id,
        is_proficient,
        row_number() over (
            partition by student_id order by administration_date, school_year
        ) as test_order
    from assessments
    where tested_grade_level = 3 and subject_area = 'ela' and is_proficient is not null
),

flag_values as (
    select
        cohort.student_id,
        cohort.school_year,
        cohort.grade_level,
        cohort.grade_band,
        cohort.test_school_years,
        cohort.is_adverse_outcome,
        case
            when student_years.abc_flag_count is not null then student_years.abc_flag_count >= 1
        end as balfanz_abc_any,
        student_years.abc_attendance_flag as balfanz_attendance,
        student_years.has_failing_math_mark as balfanz_failed_math,
        student_years.has_failing_ela_mark as balfanz_failed_english,
        student_years.abc_behaviour_flag as balfanz_suspended,
        case
            when student_years.is_rated_for_chronic_absence
                then student_years.is_chronically_absent
        end as chronic_absence,
        case
            when student_years.core_courses_graded > 0 then student_years.core_failures > 0
        end as core_course_failure,
        student_years.has_been_retained as retained,
        not first_grade_3_reading.is_proficient as low_grade_3_reading,
        not student_years.is_chicago_on_track as chicago_off_track
    from cohort
    left join student_years
        on
            cohort.student_id = student_years.student_id
            and cohort.school_year = student_years.school_year
    left join first_grade_3_reading
        on
            cohort.student_id = first_grade_3_reading.student_id
            and first_grade_3_reading.test_order = 1
),

{%- set flag_columns = [
    'balfanz_abc_any', 'balfanz_attendance', 'balfanz_failed_math', 'balfanz_failed_english',
    'balfanz_suspended', 'chronic_absence', 'core_course_failure', 'retained',
    'low_grade_3_reading', 'chicago_off_track'
] %}

flag_rows as (
    {%- for flag in flag_columns %}
        select
            '{{ flag }}' as flag_name,
            grade_level,
            grade_band,
            test_school_years,
            is_adverse_outcome,
            {{ flag }} as is_flagged
        from flag_values
        where {{ flag }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

flag_counts as (
    select
        flag_name,
        grade_level,
        max(grade_band) as grade_band,
        max(test_school_years) as test_school_years,
        count(*) as students,
        cast(
            sum(case when is_adverse_outcome then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as events,
        cast(sum(case when is_flagged then 1 else 0 end) as {{ dbt.type_bigint() }}) as flagged,
        cast(
            sum(case when is_flagged and is_adverse_outcome then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as true_positives
    from flag_rows
    group by flag_name, grade_level
),

flag_methods as (
    select
        'flag' as method_type,
        -- method and precision: the names ml_model_evaluation uses for the same things
        project_flags.flag_name as method,  -- noqa: RF04
        cast(null as {{ type_double() }}) as risk_threshold,
        {{ dbt.concat(["'grade '", dbt.cast('project_flags.grade_level', dbt.type_string())]) }}
            as evaluation_slice,
        flag_counts.grade_band,
        'eoy' as decision_point,
        flag_counts.test_school_years,
        project_flags.flag_kind,
        project_flags.description,
        project_flags.literature_flag_id,
        coalesce(flag_counts.students, 0) as students,
        coalesce(flag_counts.events, 0) as events,
        coalesce(flag_counts.flagged, 0) as flagged,
        coalesce(flag_counts.true_positives, 0) as true_positives
    from project_flags
    left join flag_counts
        on
            project_flags.flag_name = flag_counts.flag_name
            and project_flags.grade_level = flag_counts.grade_level
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

model_methods as (
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
