with

source_college_readiness_exams as (
    select * from {{ source('sis', 'college_readiness_exams') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(administration_date as date) as administration_date,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level,
        cast(exam as {{ dbt.type_string() }}) as exam,
        cast(reading_writing_score as {{ dbt.type_int() }}) as reading_writing_score,
        cast(math_score as {{ dbt.type_int() }}) as math_score,
        cast(total_score as {{ dbt.type_int() }}) as total_score,
        cast(
            meets_reading_writing_benchmark as {{ dbt.type_boolean() }}
        ) as meets_reading_writing_benchmark,
        cast(meets_math_benchmark as {{ dbt.type_boolean() }}) as meets_math_benchmark
    from source_college_readiness_exams
),

final as (
    select * from renamed
)

select * from final
