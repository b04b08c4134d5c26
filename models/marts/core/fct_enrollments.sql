-- Grain: one row per student per school per entry date (an enrollment spell), as known
-- on the as-of date, overlaps resolved (int_enrollments__cleaned). Adds the school's
-- level and the meaning of the entry and exit codes, for BI users.
with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

schools as (
    select * from {{ ref('stg_sis__schools') }}
),

xwalk_entry_types as (
    select * from {{ ref('xwalk_entry_types') }}
),

xwalk_exit_codes as (
    select * from {{ ref('xwalk_exit_codes') }}
),

final as (
    select
        spells.student_id,
        spells.school_id,
        spells.school_year,
        spells.entry_date,
        spells.spell_sequence_in_year,
        schools.school_level,
        spells.grade_level,
        spells.grade_band,
        spells.exit_date,
        spells.effective_exit_date,
        spells.has_exited,
        spells.was_truncated_by_overlap,
        spells.entry_type,
        xwalk_entry_types.description as entry_type_description,
        spells.entry_category,
        spells.is_new_to_district,
        spells.exit_code,
        xwalk_exit_codes.description as exit_code_description,
        spells.exit_category,
        spells.is_graduate,
        spells.is_dropout,
        spells.is_removed_from_acgr_cohort,
        spells.is_district_exit
    from spells
    left join schools
        on spells.school_id = schools.school_id
    left join xwalk_entry_types
        on spells.entry_type = xwalk_entry_types.code
    left join xwalk_exit_codes
        on spells.exit_code = xwalk_exit_codes.exit_code
)

select * from final
