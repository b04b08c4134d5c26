-- Grain: one row per student per school year per decision point (student_id, school_year,
-- decision_point): the spine of the decision-point features. A student is at a decision
-- point when a spell that began on or before the decision date at its school had not
-- ended before the end of the quarter there (the latest such spell when two overlap
-- gives the school) and the student has a record that school year (ews_student_year).
-- The spells-domain features come with it: the school changes and schools of this year
-- known on the decision date. Every other domain (int_decision_points__<domain>) keeps
-- this grain; ml_features joins them and ml_service_risk_sets reads them at the previous
-- decision point.
-- A table: every decision-point domain, ml_features and ml_service_risk_sets read it.
{{ config(materialized='table', schema='int', access='private') }}

with

decision_points as (
    select * from {{ ref('ml_decision_points') }}
),

enrollments as (
    select * from {{ ref('fct_enrollments') }}
),

school_quarters as (
    select * from {{ ref('int_school_quarters__dates') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

-- Spells the school knew of on the decision date, and whether each still ran at the
-- end of the quarter at its school.
known_spells as (
    select
        enrollments.student_id,
        enrollments.school_year,
        enrollments.school_id,
        enrollments.entry_date,
        decision_points.decision_point,
        decision_points.decision_point_order,
        decision_points.decision_date,
        school_quarters.quarter_end_date,
        (
            enrollments.exit_date is null
            or enrollments.exit_date >= school_quarters.quarter_end_date
        )
        and enrollments.entry_date <= school_quarters.quarter_end_date
            as is_enrolled_at_quarter_end
    from enrollments
    inner join decision_points
        on
            enrollments.school_year = decision_points.school_year
            and enrollments.entry_date <= decision_points.decision_date
    inner join school_quarters
        on
            enrollments.school_id = school_quarters.school_id
            and enrollments.school_year = school_quarters.school_year
            and decision_points.decision_point_order = school_quarters.grading_quarter
),

ranked_known_spells as (
    select
        known_spells.*,
        row_number() over (
            partition by
                known_spells.student_id, known_spells.school_year, known_spells.decision_point
            order by known_spells.entry_date desc, known_spells.school_id desc
        ) as recency_rank,
        count(*) over (
            partition by
                known_spells.student_id, known_spells.school_year, known_spells.decision_point
        ) as spells_to_date,
        count(distinct known_spells.school_id) over (
            partition by
                known_spells.student_id, known_spells.school_year, known_spells.decision_point
        ) as schools_to_date
    from known_spells
),

final as (
    select
        ranked_known_spells.student_id,
        ranked_known_spells.school_year,
        ranked_known_spells.decision_point,
        ranked_known_spells.decision_point_order,
        ranked_known_spells.decision_date,
        ranked_known_spells.school_id,
        ranked_known_spells.spells_to_date - 1 as school_changes_this_year_to_date,
        ranked_known_spells.schools_to_date as schools_this_year_to_date
    from ranked_known_spells
    inner join student_years
        on
            ranked_known_spells.student_id = student_years.student_id
            and ranked_known_spells.school_year = student_years.school_year
    where ranked_known_spells.recency_rank = 1 and ranked_known_spells.is_enrolled_at_quarter_end
)

select * from final
