with

source_sections as (
    select * from {{ source('sis', 'sections') }}
),

renamed as (
    select
        cast(section_id as {{ dbt.type_string() }}) as section_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(course_code as {{ dbt.type_string() }}) as course_code
    from source_sections
),

final as (
    select * from renamed
)

select * from final
