with

source_assessments as (
    select * from {{ source('sis', 'assessments') }}
),

xwalk_performance_levels as (
    select * from {{ ref('xwalk_performance_levels') }}
),

xwalk_subjects as (
    select * from {{ ref('xwalk_subjects') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(assessment_id as {{ dbt.type_string() }}) as assessment_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(administration_date as date) as administration_date,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level,
        cast(subject as {{ dbt.type_string() }}) as subject,
        cast(scale_score as {{ dbt.type_int() }}) as scale_score,
        cast(performance_level as {{ dbt.type_int() }}) as performance_level,
        cast(is_proficient as {{ dbt.type_boolean() }}) as is_proficient
    from source_assessments
),

categorised as (
    select
        renamed.student_id,
        renamed.school_id,
        renamed.assessment_id,
        renamed.school_year,
        renamed.administration_date,
        renamed.grade_level,
        renamed.subject,
        xwalk_subjects.subject_area,
        renamed.scale_score,
        renamed.performance_level,
        xwalk_performance_levels.description as performance_level_description,
        renamed.is_proficient
    from renamed
    left join xwalk_performance_levels
        on renamed.performance_level = xwalk_performance_levels.performance_level
    left join xwalk_subjects
        on renamed.subject = xwalk_subjects.subject
),

final as (
    select * from categorised
)

select * from final
