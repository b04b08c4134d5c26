with

source_math_interim_assessments as (
    select * from {{ source('sis', 'math_interim_assessments') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(administration_date as date) as administration_date,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level,
        cast(test_window as {{ dbt.type_string() }}) as test_window,
        cast(domain as {{ dbt.type_string() }}) as math_domain,
        cast(scale_score as {{ dbt.type_int() }}) as scale_score,
        cast(standard_error as {{ type_double() }}) as standard_error,
        cast(national_percentile as {{ dbt.type_int() }}) as national_percentile,
        cast(growth_from_fall as {{ type_double() }}) as growth_from_fall,
        cast(typical_growth as {{ type_double() }}) as typical_growth,
        cast(growth_percentile as {{ dbt.type_int() }}) as growth_percentile
    from source_math_interim_assessments
),

final as (
    select * from renamed
)

select * from final
