with

source_course_grades as (
    select * from {{ source('sis', 'course_grades') }}
),

xwalk_letter_grades as (
    select * from {{ ref('xwalk_letter_grades') }}
),

xwalk_terms as (
    select * from {{ ref('xwalk_terms') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(course_code as {{ dbt.type_string() }}) as course_code,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(term as {{ dbt.type_string() }}) as term,
        cast(letter_grade as {{ dbt.type_string() }}) as letter_grade,
        cast(numeric_grade as {{ type_double() }}) as numeric_grade,
        cast(credits_attempted as {{ type_double() }}) as credits_attempted,
        cast(credits_earned as {{ type_double() }}) as credits_earned
    from source_course_grades
),

categorised as (
    select
        renamed.student_id,
        renamed.school_id,
        renamed.course_code,
        renamed.school_year,
        renamed.term,
        xwalk_terms.term_type,
        xwalk_terms.term_number,
        renamed.letter_grade,
        xwalk_letter_grades.grading_scale,
        xwalk_letter_grades.grade_points,
        xwalk_letter_grades.is_failing,
        xwalk_letter_grades.is_passing,
        xwalk_letter_grades.counts_in_gpa as is_counted_in_gpa,
        renamed.numeric_grade,
        renamed.credits_attempted,
        renamed.credits_earned
    from renamed
    left join xwalk_letter_grades
        on renamed.letter_grade = xwalk_letter_grades.letter_grade
    left join xwalk_terms
        on renamed.term = xwalk_terms.term
),

final as (
    select * from categorised
)

select * from final
