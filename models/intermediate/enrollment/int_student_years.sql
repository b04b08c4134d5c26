-- Grain: one row per student per school year with any enrollment spell (the spine every
-- student-year indicator joins to). The grade level and school of record are those of
-- the student's latest spell in the year as of the as-of date.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

ordered as (
    select
        spells.*,
        row_number() over (
            partition by spells.student_id, spells.school_year
            order by spells.entry_date desc, spells.school_id desc
        ) as recency_rank
    from spells
),

year_totals as (
    select
        student_id,
        school_year,
        min(entry_date) as first_entry_date,
        max(effective_exit_date) as last_enrolled_date,
        count(*) as enrollment_spells,
        count(distinct school_id) as schools_attended
    from spells
    group by student_id, school_year
),

first_spell as (
    select
        student_id,
        school_year,
        entry_type as year_entry_type,
        entry_category as year_entry_category,
        is_new_to_district as entered_new_to_district
    from spells
    where spell_sequence_in_year = 1
),

final as (
    select
        ordered.student_id,
        ordered.school_year,
        ordered.grade_level,
        ordered.grade_band,
        ordered.school_id,
        year_totals.first_entry_date,
        year_totals.last_enrolled_date,
        year_totals.enrollment_spells,
        year_totals.schools_attended,
        first_spell.year_entry_type,
        first_spell.year_entry_category,
        first_spell.entered_new_to_district,
        ordered.exit_code as year_exit_code,
        ordered.exit_category as year_exit_category,
        ordered.is_graduate as graduated_this_year,
        ordered.is_dropout as dropped_out_this_year,
        ordered.is_removed_from_acgr_cohort as left_cohort_this_year,
        ordered.is_district_exit as left_district_this_year,
        ordered.effective_exit_date >= as_of.as_of_date as is_enrolled_on_as_of_date
    from ordered
    inner join year_totals
        on
            ordered.student_id = year_totals.student_id
            and ordered.school_year = year_totals.school_year
    inner join first_spell
        on
            ordered.student_id = first_spell.student_id
            and ordered.school_year = first_spell.school_year
    cross join as_of
    where ordered.recency_rank = 1
)

select * from final
