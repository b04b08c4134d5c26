with

source_advanced_coursework as (
    select * from {{ source('sis', 'advanced_coursework') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(program as {{ dbt.type_string() }}) as advanced_program,
        cast(course_title as {{ dbt.type_string() }}) as course_title,
        cast(exam_score as {{ dbt.type_int() }}) as exam_score,
        cast(earned_college_credit as {{ dbt.type_boolean() }}) as earned_college_credit
    from source_advanced_coursework
),

final as (
    select * from renamed
)

select * from final
