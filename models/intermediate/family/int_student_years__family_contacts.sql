-- Grain: one row per student per school year with at least one recorded family contact
-- by the as-of date. The worked example of docs/how_to_add_an_indicator.md: a new
-- indicator is an intermediate model at the student-year grain, joined into
-- ews_student_year, with its threshold in a var.
with

parent_contacts as (
    select * from {{ ref('stg_sis__parent_contacts') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

known as (
    select parent_contacts.*
    from parent_contacts
    cross join as_of
    where parent_contacts.contact_date <= as_of.as_of_date
),

counted as (
    select
        student_id,
        school_year,
        count(*) as family_contacts,
        cast(
            sum(case when contact_topic = 'attendance' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as attendance_family_contacts,
        cast(
            sum(case when contact_topic = 'academic' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as academic_family_contacts,
        cast(
            sum(case when contact_topic = 'behaviour' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as behaviour_family_contacts,
        max(contact_date) as latest_family_contact_date
    from known
    group by student_id, school_year
),

final as (
    select
        counted.*,
        counted.attendance_family_contacts
        >= {{ var('attendance_family_contacts_flag', 2) }}
            as has_repeated_attendance_contacts
    from counted
)

select * from final
