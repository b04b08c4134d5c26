with

source_postsecondary_enrollments as (
    select * from {{ source('sis', 'postsecondary_enrollments') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(college_id as {{ dbt.type_string() }}) as college_id,
        cast(college_name as {{ dbt.type_string() }}) as college_name,
        cast(college_level as {{ dbt.type_string() }}) as college_level,
        cast(college_control as {{ dbt.type_string() }}) as college_control,
        cast(enrollment_begin as date) as enrollment_begin,
        cast(enrollment_end as date) as enrollment_end,
        cast(enrollment_status as {{ dbt.type_string() }}) as enrollment_status
    from source_postsecondary_enrollments
),

final as (
    select * from renamed
)

select * from final
