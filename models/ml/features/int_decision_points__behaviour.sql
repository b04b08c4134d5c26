-- Grain: one row per student per school year per decision point (student_id, school_year,
-- decision_point), the rows of int_decision_points__spells. Behaviour known on the
-- decision date: this year's incidents dated on or before it. Null, never zero, when the
-- district sent no behaviour records for the student-year
-- (ews_student_year.behaviour_data_status).
-- A view: ml_features alone reads it.
{{ config(materialized='view', schema='int', access='private') }}

with

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

discipline as (
    select * from {{ ref('fct_discipline') }}
),

behaviour_to_date as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        count(*) as incidents_to_date,
        count(case when discipline.is_out_of_school_suspension then 1 end)
            as out_of_school_suspensions_to_date,
        count(case when discipline.is_in_school_suspension then 1 end)
            as in_school_suspensions_to_date,
        sum(discipline.days_removed) as days_removed_to_date
    from decision_spine
    inner join discipline
        on
            decision_spine.student_id = discipline.student_id
            and decision_spine.school_year = discipline.school_year
            and decision_spine.decision_date >= discipline.incident_date
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
),

final as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.incidents_to_date, 0)'
        ) }} as incidents_to_date,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.out_of_school_suspensions_to_date, 0)'
        ) }}
            as out_of_school_suspensions_to_date,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.in_school_suspensions_to_date, 0)'
        ) }}
            as in_school_suspensions_to_date,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.days_removed_to_date, 0.0)'
        ) }} as days_removed_to_date
    from decision_spine
    inner join student_years as this_year
        on
            decision_spine.student_id = this_year.student_id
            and decision_spine.school_year = this_year.school_year
    left join behaviour_to_date
        on
            decision_spine.student_id = behaviour_to_date.student_id
            and decision_spine.school_year = behaviour_to_date.school_year
            and decision_spine.decision_point = behaviour_to_date.decision_point
)

select * from final
