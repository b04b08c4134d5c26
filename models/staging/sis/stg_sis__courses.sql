with

source_courses as (
    select * from {{ source('sis', 'courses') }}
),

xwalk_subjects as (
    select * from {{ ref('xwalk_subjects') }}
),

xwalk_school_levels as (
    select * from {{ ref('xwalk_school_levels') }}
),

renamed as (
    select
        cast(course_code as {{ dbt.type_string() }}) as course_code,
        cast(course_title as {{ dbt.type_string() }}) as course_title,
        cast(subject as {{ dbt.type_string() }}) as subject,
        cast(is_core as {{ dbt.type_boolean() }}) as is_core,
        cast(credits as {{ type_double() }}) as credits,
        cast(school_level as {{ dbt.type_string() }}) as school_level,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level
    from source_courses
),

categorised as (
    select
        renamed.course_code,
        renamed.course_title,
        renamed.subject,
        xwalk_subjects.subject_area,
        xwalk_subjects.is_core as is_core_subject,
        renamed.is_core,
        renamed.credits,
        renamed.school_level,
        xwalk_school_levels.grade_band,
        renamed.grade_level
    from renamed
    left join xwalk_subjects
        on renamed.subject = xwalk_subjects.subject
    left join xwalk_school_levels
        on renamed.school_level = xwalk_school_levels.school_level
),

final as (
    select * from categorised
)

select * from final
