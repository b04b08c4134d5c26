with

source_program_services as (
    select * from {{ source('sis', 'program_services') }}
),

xwalk_services as (
    select * from {{ ref('xwalk_services') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(service as {{ dbt.type_string() }}) as service,
        cast(tier as {{ dbt.type_int() }}) as mtss_tier,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date
    from source_program_services
),

categorised as (
    select
        renamed.student_id,
        renamed.school_id,
        renamed.school_year,
        renamed.service,
        xwalk_services.description as service_description,
        xwalk_services.domain as service_domain,
        xwalk_services.service_kind,
        renamed.mtss_tier,
        renamed.start_date,
        renamed.end_date
    from renamed
    left join xwalk_services
        on renamed.service = xwalk_services.service
),

final as (
    select * from categorised
)

select * from final
