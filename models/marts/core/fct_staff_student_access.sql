-- Grain: one row per staff member per student per field class: what each staff member may
-- see on the as-of date. The students come from the staff member's current assignments
-- (int_staff_students__in_scope), the field classes from seed access_rules for the
-- role class of each; where several assignments grant the same class, the broadest
-- scope is kept (district, then school, caseload, section). An ended assignment grants
-- nothing; a district without staff tables has no rows (no one is granted anything).
with

in_scope as (
    select * from {{ ref('int_staff_students__in_scope') }}
),

rules as (
    select * from {{ ref('access_rules') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

granted as (
    select
        in_scope.staff_id,
        in_scope.student_id,
        rules.field_class,
        in_scope.role_class,
        in_scope.row_scope,
        case in_scope.row_scope
            when 'district' then 1
            when 'school' then 2
            when 'caseload' then 3
            else 4
        end as scope_rank
    from in_scope
    inner join rules
        on
            in_scope.role_class = rules.role_class
            and in_scope.row_scope = rules.row_scope
),

ranked as (
    select
        granted.*,
        row_number() over (
            partition by granted.staff_id, granted.student_id, granted.field_class
            order by granted.scope_rank, granted.role_class
        ) as grant_order
    from granted
),

final as (
    select
        ranked.staff_id,
        ranked.student_id,
        ranked.field_class,
        ranked.role_class,
        ranked.row_scope,
        as_of.as_of_date
    from ranked
    cross join as_of
    where ranked.grant_order = 1
)

select * from final
