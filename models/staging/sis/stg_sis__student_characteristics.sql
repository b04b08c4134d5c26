with

source_student_characteristics as (
    select * from {{ source('sis', 'student_characteristics') }}
),

xwalk_frl_status as (
    select * from {{ ref('xwalk_frl_status') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(frl_status as {{ dbt.type_string() }}) as frl_status,
        cast(is_english_learner as {{ dbt.type_boolean() }}) as is_english_learner,
        cast(has_iep as {{ dbt.type_boolean() }}) as has_iep,
        cast(has_504_plan as {{ dbt.type_boolean() }}) as has_504_plan,
        cast(is_gifted as {{ dbt.type_boolean() }}) as is_gifted,
        cast(is_homeless as {{ dbt.type_boolean() }}) as is_homeless,
        cast(has_home_internet as {{ dbt.type_boolean() }}) as has_home_internet,
        cast(home_language as {{ dbt.type_string() }}) as home_language
    from source_student_characteristics
),

categorised as (
    select
        renamed.student_id,
        renamed.school_year,
        renamed.frl_status,
        xwalk_frl_status.is_economically_disadvantaged,
        renamed.is_english_learner,
        renamed.has_iep,
        renamed.has_504_plan,
        renamed.is_gifted,
        renamed.is_homeless,
        renamed.has_home_internet,
        renamed.home_language
    from renamed
    left join xwalk_frl_status
        on renamed.frl_status = xwalk_frl_status.frl_status
),

final as (
    select * from categorised
)

select * from final
