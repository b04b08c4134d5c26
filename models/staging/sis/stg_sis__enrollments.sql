with

source_enrollments as (
    select * from {{ source('sis', 'enrollments') }}
),

xwalk_grade_levels as (
    select * from {{ ref('xwalk_grade_levels') }}
),

xwalk_entry_types as (
    select * from {{ ref('xwalk_entry_types') }}
),

xwalk_exit_codes as (
    select * from {{ ref('xwalk_exit_codes') }}
),

renamed as (
    select
        cast(student_id as {{ dbt.type_string() }}) as student_id,
        cast(school_id as {{ dbt.type_int() }}) as school_id,
        cast(school_year as {{ dbt.type_int() }}) as school_year,
        cast(grade_level as {{ dbt.type_int() }}) as grade_level,
        cast(entry_date as date) as entry_date,
        cast(exit_date as date) as exit_date,
        cast(entry_type as {{ dbt.type_string() }}) as entry_type,
        cast(exit_code as {{ dbt.type_string() }}) as exit_code
    from source_enrollments
),

-- Exit flags are false (not null) while a spell is open; an exit code missing from
-- the crosswalk leaves them null (and fails codes_in_crosswalk on the source).
categorised as (
    select
        renamed.student_id,
        renamed.school_id,
        renamed.school_year,
        renamed.grade_level,
        xwalk_grade_levels.grade_band,
        renamed.entry_date,
        renamed.exit_date,
        renamed.exit_date is null as is_still_enrolled,
        renamed.entry_type,
        xwalk_entry_types.entry_category,
        xwalk_entry_types.is_new_to_district,
        renamed.exit_code,
        xwalk_exit_codes.exit_category,
        case
            when renamed.exit_code is null then false
            else xwalk_exit_codes.is_graduate
        end as is_graduate,
        case
            when renamed.exit_code is null then false
            else xwalk_exit_codes.is_dropout
        end as is_dropout,
        case
            when renamed.exit_code is null then false
            else xwalk_exit_codes.leaves_acgr_cohort
        end as is_removed_from_acgr_cohort,
        case
            when renamed.exit_code is null then false
            else xwalk_exit_codes.leaves_district
        end as is_district_exit
    from renamed
    left join xwalk_grade_levels
        on renamed.grade_level = xwalk_grade_levels.grade_level
    left join xwalk_entry_types
        on renamed.entry_type = xwalk_entry_types.code
    left join xwalk_exit_codes
        on renamed.exit_code = xwalk_exit_codes.exit_code
),

final as (
    select * from categorised
)

select * from final
