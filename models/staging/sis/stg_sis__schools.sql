with

source_schools as (
    select * from {{ source('sis', 'schools') }}
),

xwalk_school_levels as (
    select * from {{ ref('xwalk_school_levels') }}
),

renamed as (
    select
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_name as {{ dbt.type_string() }}) as school_name,
        cast(school_level as {{ dbt.type_string() }}) as school_level,
        cast(low_grade as {{ dbt.type_int() }}) as low_grade_level,
        cast(high_grade as {{ dbt.type_int() }}) as high_grade_level,
        cast(city as {{ dbt.type_string() }}) as city
    from source_schools
),

categorised as (
    select
        renamed.school_id,
        renamed.school_name,
        renamed.school_level,
        xwalk_school_levels.grade_band,
        renamed.low_grade_level,
        renamed.high_grade_level,
        renamed.city
    from renamed
    left join xwalk_school_levels
        on renamed.school_level = xwalk_school_levels.school_level
),

final as (
    select * from categorised
)

select * from final
