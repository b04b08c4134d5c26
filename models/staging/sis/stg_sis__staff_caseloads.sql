with

source_staff_caseloads as (
    select * from {{ source('sis', 'staff_caseloads') }}
),

renamed as (
    select
        cast(staff_id as {{ dbt.type_string() }}) as staff_id,
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(caseload_type as {{ dbt.type_string() }}) as caseload_type,
        cast(begin_date as date) as begin_date,
        cast(end_date as date) as end_date
    from source_staff_caseloads
),

final as (
    select * from renamed
)

select * from final
