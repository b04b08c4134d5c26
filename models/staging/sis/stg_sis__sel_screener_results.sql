with

source_sel_screener_results as (
    select * from {{ source('sis', 'sel_screener_results') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(administration_date as date) as administration_date,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level,
        cast(screening_window as {{ dbt.type_string() }}) as screening_window,
        cast(rater as {{ dbt.type_string() }}) as rater,
        cast(self_awareness as {{ dbt.type_int() }}) as self_awareness,
        cast(self_management as {{ dbt.type_int() }}) as self_management,
        cast(social_awareness as {{ dbt.type_int() }}) as social_awareness,
        cast(relationship_skills as {{ dbt.type_int() }}) as relationship_skills,
        cast(responsible_decision_making as {{ dbt.type_int() }}) as responsible_decision_making,
        cast(composite_t_score as {{ dbt.type_int() }}) as composite_t_score
    from source_sel_screener_results
),

final as (
    select * from renamed
)

select * from final
