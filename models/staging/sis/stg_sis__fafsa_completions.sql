with

source_fafsa_completions as (
    select * from {{ source('sis', 'fafsa_completions') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(submitted_date as date) as submitted_date,
        cast(completed_date as date) as completed_date
    from source_fafsa_completions
),

final as (
    select * from renamed
)

select * from final
