with

source_section_enrollments as (
    select * from {{ source('sis', 'section_enrollments') }}
),

renamed as (
    select
        cast(section_id as {{ dbt.type_string() }}) as section_id,
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(begin_date as date) as begin_date,
        cast(end_date as date) as end_date
    from source_section_enrollments
),

final as (
    select * from renamed
)

select * from final
