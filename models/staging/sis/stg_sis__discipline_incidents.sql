with

source_discipline_incidents as (
    select * from {{ source('sis', 'discipline_incidents') }}
),

xwalk_behaviour_categories as (
    select * from {{ ref('xwalk_behaviour_categories') }}
),

xwalk_discipline_actions as (
    select * from {{ ref('xwalk_discipline_actions') }}
),

renamed as (
    select
        cast(incident_id as {{ dbt.type_string() }}) as incident_id,
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(incident_date as date) as incident_date,
        cast(behavior_category as {{ dbt.type_string() }}) as behaviour_category,
        cast(action as {{ dbt.type_string() }}) as discipline_action,
        cast(days_removed as {{ type_double() }}) as days_removed
    from source_discipline_incidents
),

categorised as (
    select
        renamed.incident_id,
        renamed.student_id,
        renamed.school_id,
        renamed.school_year,
        renamed.incident_date,
        renamed.behaviour_category,
        xwalk_behaviour_categories.severity as behaviour_severity,
        renamed.discipline_action,
        xwalk_discipline_actions.is_suspension,
        xwalk_discipline_actions.is_in_school_suspension,
        xwalk_discipline_actions.is_out_of_school_suspension,
        xwalk_discipline_actions.is_expulsion,
        xwalk_discipline_actions.removes_from_class as is_removal_from_class,
        renamed.days_removed
    from renamed
    left join xwalk_behaviour_categories
        on renamed.behaviour_category = xwalk_behaviour_categories.behaviour_category
    left join xwalk_discipline_actions
        on renamed.discipline_action = xwalk_discipline_actions.action
),

final as (
    select * from categorised
)

select * from final
