with

source_parent_contacts as (
    select * from {{ source('sis', 'parent_contacts') }}
),

xwalk_contact_reasons as (
    select * from {{ ref('xwalk_contact_reasons') }}
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

categorised as (
    select
        renamed.student_id,
        renamed.school_id,
        renamed.school_year,
        renamed.contact_date,
        renamed.contact_reason,
        xwalk_contact_reasons.contact_topic,
        renamed.contact_method
    from renamed
    left join xwalk_contact_reasons
        on renamed.contact_reason = xwalk_contact_reasons.contact_reason
),

final as (
    select * from categorised
)

select * from final
