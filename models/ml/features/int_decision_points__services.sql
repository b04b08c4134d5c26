-- Grain: one row per student per school year per decision point (student_id, school_year,
-- decision_point), the rows of int_decision_points__spells. Program and MTSS service
-- spells known on the decision date: started on or before it, this year and in earlier
-- years. The counts are null, never zero, when the district sent no service records for
-- the student-year (ews_student_year.services_data_status).
-- A view: ml_features alone reads it.
{{ config(materialized='view', schema='int', access='private') }}

with

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

program_services as (
    select * from {{ ref('fct_program_services') }}
),

services_to_date as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        count(
            case when program_services.school_year = decision_spine.school_year then 1 end
        ) as service_spells_this_year_to_date,
        max(
            case
                when program_services.school_year = decision_spine.school_year
                    then program_services.mtss_tier
            end
        ) as highest_mtss_tier_this_year_to_date,
        count(
            case when program_services.school_year < decision_spine.school_year then 1 end
        ) as service_spells_before_this_year
    from decision_spine
    inner join program_services
        on
            decision_spine.student_id = program_services.student_id
            and decision_spine.decision_date >= program_services.start_date
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
),

final as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        {{ if_known(
            'this_year.services_data_status',
            'coalesce(services_to_date.service_spells_this_year_to_date, 0)'
        ) }}
            as service_spells_this_year_to_date,
        services_to_date.highest_mtss_tier_this_year_to_date,
        {{ if_known(
            'this_year.services_data_status',
            'coalesce(services_to_date.service_spells_before_this_year, 0)'
        ) }}
            as service_spells_before_this_year
    from decision_spine
    inner join student_years as this_year
        on
            decision_spine.student_id = this_year.student_id
            and decision_spine.school_year = this_year.school_year
    left join services_to_date
        on
            decision_spine.student_id = services_to_date.student_id
            and decision_spine.school_year = services_to_date.school_year
            and decision_spine.decision_point = services_to_date.decision_point
)

select * from final
