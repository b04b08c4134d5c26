with

source_section_staff as (
    select * from {{ source('sis', 'section_staff') }}
),

renamed as (
    select
        cast(section_id as {{ dbt.type_string() }}) as section_id,
        cast(staff_id as {{ dbt.type_string() }}) as staff_id,
        cast(begin_date as date) as begin_date,
        cast(end_date as date) as end_date
    from source_section_staff
),

final as (
    select * from renamed
)

select * from final
