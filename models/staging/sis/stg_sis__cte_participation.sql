with

source_cte_participation as (
    select * from {{ source('sis', 'cte_participation') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(program_area as {{ dbt.type_string() }}) as program_area,
        cast(credits_earned as {{ type_double() }}) as credits_earned,
        cast(is_concentrator as {{ dbt.type_boolean() }}) as is_concentrator
    from source_cte_participation
),

final as (
    select * from renamed
)

select * from final
