with

source_parent_contacts as (
    select * from {{ source('sis', 'parent_contacts') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(contact_date as date) as contact_date,
        cast(contact_reason as {{ dbt.type_string() }}) as contact_reason,
        cast(contact_method as {{ dbt.type_string() }}) as contact_method
    from source_parent_contacts
),

final as (
    select * from renamed
)

select * from final
