-- Grain: one row per staff member per student per role class per row scope: the students
-- each current assignment (int_staff_assignments__current) puts in the staff member's
-- scope on the as-of date. district: every student of the warehouse; school: students
-- enrolled at the assignment's school on the as-of date; caseload: students on the staff
-- member's caseload at that school on the as-of date; section: students enrolled on the
-- as-of date in a section of that school the staff member teaches on the as-of date.
-- A school-, caseload- or section-scoped assignment without a school sees no one.
-- A table, not a view: PostgreSQL plans fct_staff_student_access on its row count.
{{ config(materialized='table') }}

with

assignments as (
    select * from {{ ref('int_staff_assignments__current') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

students as (
    select * from {{ ref('dim_student') }}
),

enrollments as (
    select * from {{ ref('fct_enrollments') }}
),

caseloads as (
    select * from {{ ref('stg_sis__staff_caseloads') }}
),

sections as (
    select * from {{ ref('stg_sis__sections') }}
),

section_staff as (
    select * from {{ ref('stg_sis__section_staff') }}
),

section_enrollments as (
    select * from {{ ref('stg_sis__section_enrollments') }}
),

district_scope as (
    select
        assignments.staff_id,
        students.student_id,
        assignments.role_class,
        assignments.row_scope
    from assignments
    cross join students
    where assignments.row_scope = 'district'
),

school_scope as (
    select
        assignments.staff_id,
        enrollments.student_id,
        assignments.role_class,
        assignments.row_scope
    from assignments
    cross join as_of
    inner join enrollments
        on assignments.school_id = enrollments.school_id
    where
        assignments.row_scope = 'school'
        and {{ spell_current_on(
                'enrollments.entry_date',
                'enrollments.exit_date',
                'as_of.as_of_date'
            ) }}
),

caseload_scope as (
    select
        assignments.staff_id,
        caseloads.student_id,
        assignments.role_class,
        assignments.row_scope
    from assignments
    cross join as_of
    inner join caseloads
        on
            assignments.staff_id = caseloads.staff_id
            and assignments.school_id = caseloads.school_id
    where
        assignments.row_scope = 'caseload'
        and {{ spell_current_on(
                'caseloads.begin_date',
                'caseloads.end_date',
                'as_of.as_of_date'
            ) }}
),

taught_now as (
    select
        section_staff.staff_id,
        sections.section_id,
        sections.school_id
    from section_staff
    cross join as_of
    inner join sections
        on section_staff.section_id = sections.section_id
    where
        {{ spell_current_on(
                'section_staff.begin_date',
                'section_staff.end_date',
                'as_of.as_of_date'
            ) }}
),

section_scope as (
    select
        assignments.staff_id,
        section_enrollments.student_id,
        assignments.role_class,
        assignments.row_scope
    from assignments
    cross join as_of
    inner join taught_now
        on
            assignments.staff_id = taught_now.staff_id
            and assignments.school_id = taught_now.school_id
    inner join section_enrollments
        on taught_now.section_id = section_enrollments.section_id
    where
        assignments.row_scope = 'section'
        and {{ spell_current_on(
                'section_enrollments.begin_date',
                'section_enrollments.end_date',
                'as_of.as_of_date'
            ) }}
),

scoped as (
    select * from district_scope
    union all
    select * from school_scope
    union all
    select * from caseload_scope
    union all
    select * from section_scope
),

final as (
    select distinct
        scoped.staff_id,
        scoped.student_id,
        scoped.role_class,
        scoped.row_scope
    from scoped
    inner join students
        on scoped.student_id = students.student_id
)

select * from final
