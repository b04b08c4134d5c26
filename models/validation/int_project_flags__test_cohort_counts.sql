-- Grain: one row per project flag per grade it is judged at (flag_name, grade_level),
-- the rows of seed validation_project_flags. How each of the project's own yes/no flags
-- does at the end of the year of the grade it is measured in, on the out-of-time test
-- cohort of the end-of-year graduation model of that grade's band (grade 6: middle;
-- grade 9: high): the students (a flag the data cannot tell, null, is left out), those
-- who did not graduate on time (events), those flagged, and those both (true
-- positives); zero where the cohort has none. Read by validation_flag_accuracy.
-- A view: one model reads it.
{{ config(materialized='view', schema='int', access='private') }}

with

scores as (
    select * from {{ ref('ml_out_of_time_scores') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

first_grade_3_reading as (
    select * from {{ ref('int_students__first_grade_3_reading') }}
),

project_flags as (
    select * from {{ ref('validation_project_flags') }}
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
        on cohort.student_id = first_grade_3_reading.student_id
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

final as (
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
)

select * from final
