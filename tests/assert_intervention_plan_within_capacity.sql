-- What: every school's intervention plan keeps within its capacity, numbered 1..n without
-- gaps, and the capacity follows the rule: ceil(students scored / var
-- plan_students_per_counsellor) x var plan_caseload_per_counsellor_per_term.
-- Why it matters: a list longer than the counsellors can take on is not a plan; a wrong
-- capacity gives one school too many places and another too few.
-- How to fix: check the two vars, and that ml_risk_scores has one row per student and
-- outcome (the count of students scored per school is the plan's enrolment).
with

plan as (
    select * from {{ ref('ews_intervention_plan') }}
),

scores as (
    select * from {{ ref('ml_risk_scores') }}
),

scored as (
    select
        school_id,
        count(distinct student_id) as students_scored
    from scores
    group by school_id
),

per_school as (
    select
        school_id,
        count(*) as planned,
        max(plan_rank) as last_rank,
        min(school_capacity) as school_capacity,
        max(school_capacity) as school_capacity_max,
        max(school_enrolled_students) as school_enrolled_students
    from plan
    group by school_id
),

final as (
    select
        per_school.*,
        scored.students_scored,
        ceil(scored.students_scored * 1.0 / {{ var('plan_students_per_counsellor', 250) }})
        * {{ var('plan_caseload_per_counsellor_per_term', 20) }} as expected_capacity
    from per_school
    left join scored
        on per_school.school_id = scored.school_id
)

select *
from final
where
    planned > school_capacity
    or last_rank != planned
    or school_capacity != school_capacity_max
    or school_enrolled_students != students_scored
    or school_capacity != expected_capacity
