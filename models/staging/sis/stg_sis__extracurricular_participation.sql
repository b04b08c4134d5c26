with

source_extracurricular_participation as (
    select * from {{ source('sis', 'extracurricular_participation') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(activity as {{ dbt.type_string() }}) as activity_name,
        cast(activity_type as {{ dbt.type_string() }}) as activity_type
    from source_extracurricular_participation
),

final as (
    select * from renamed
)

select * from final
