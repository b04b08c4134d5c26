-- Grain: one row per staff assignment current on the as-of date (staff_id, school_id,
-- staff_role, begin_date). An assignment is current when it began on or before the as-of date
-- and has not ended before it; an ended assignment grants nothing. Its role class and
-- row scope come from seeds xwalk_staff_roles and access_rules: a role without a rule
-- (class other) is left out.
-- A table, not a view: PostgreSQL plans the access joins on its row count (as a view
-- the as-of filter read as one row, and fct_staff_student_access ran for more than 20
-- minutes on the default district).
{{ config(materialized='table') }}

with

assignments as (
    select * from {{ ref('stg_sis__staff_assignments') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

rule_scopes as (
    select distinct
        role_class,
        row_scope
    from {{ ref('access_rules') }}
),

current_assignments as (
    select
        assignments.staff_id,
        assignments.school_id,
        assignments.staff_role,
        assignments.role_class,
        rule_scopes.row_scope,
        assignments.begin_date,
        assignments.end_date
    from assignments
    cross join as_of
    inner join rule_scopes
        on assignments.role_class = rule_scopes.role_class
    where
        {{ spell_current_on(
                'assignments.begin_date',
                'assignments.end_date',
                'as_of.as_of_date'
            ) }}
),

final as (
    select * from current_assignments
)

select * from final
