with

source_climate_survey_responses as (
    select * from {{ source('sis', 'climate_survey_responses') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(administration_date as date) as administration_date,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level,
        cast(belonging as {{ type_double() }}) as belonging,
        cast(peer_relationships as {{ type_double() }}) as peer_relationships,
        cast(adult_support as {{ type_double() }}) as adult_support,
        cast(items_answered as {{ dbt.type_int() }}) as items_answered
    from source_climate_survey_responses
),

final as (
    select * from renamed
)

select * from final
