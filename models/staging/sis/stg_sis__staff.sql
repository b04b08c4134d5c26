with

source_staff as (
    select * from {{ source('sis', 'staff') }}
),

renamed as (
    select cast(staff_id as {{ dbt.type_string() }}) as staff_id
    from source_staff
),

final as (
    select * from renamed
)

select * from final
