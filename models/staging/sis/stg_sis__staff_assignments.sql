with

source_staff_assignments as (
    select * from {{ source('sis', 'staff_assignments') }}
),

xwalk_staff_roles as (
    select * from {{ ref('xwalk_staff_roles') }}
),

renamed as (
    select
        cast(staff_id as {{ dbt.type_string() }}) as staff_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(staff_role as {{ dbt.type_string() }}) as staff_role,
        cast(begin_date as date) as begin_date,
        cast(end_date as date) as end_date
    from source_staff_assignments
),

categorised as (
    select
        renamed.staff_id,
        renamed.school_id,
        renamed.staff_role,
        xwalk_staff_roles.role_class,
        renamed.begin_date,
        renamed.end_date
    from renamed
    left join xwalk_staff_roles
        on renamed.staff_role = xwalk_staff_roles.staff_role
),

final as (
    select * from categorised
)

select * from final
