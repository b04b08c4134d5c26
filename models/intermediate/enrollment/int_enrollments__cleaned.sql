-- Grain: one row per student per school per entry date (an enrollment spell), as of
-- the as-of date. Spells entered after the as-of date are dropped; an exit after it is
-- not known yet (exit date and code null). Overlaps are resolved by one rule: when a
-- student's spells overlap, the later-entered spell stands and the earlier one is cut
-- to end the day before it (was_truncated_by_overlap). effective_exit_date closes open
-- spells at the earlier of the as-of date and the school's last instructional day.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

enrollments as (
    select * from {{ ref('stg_sis__enrollments') }}
),

bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

known as (
    select
        enrollments.student_id,
        enrollments.school_id,
        enrollments.school_year,
        enrollments.grade_level,
        enrollments.grade_band,
        enrollments.entry_date,
        case
            when enrollments.exit_date <= as_of.as_of_date then enrollments.exit_date
        end as exit_date,
        enrollments.entry_type,
        enrollments.entry_category,
        enrollments.is_new_to_district,
        enrollments.exit_code,
        enrollments.exit_category,
        enrollments.is_graduate,
        enrollments.is_dropout,
        enrollments.is_removed_from_acgr_cohort,
        enrollments.is_district_exit,
        enrollments.exit_date <= as_of.as_of_date as is_exit_known,
        as_of.as_of_date
    from enrollments
    cross join as_of
    where enrollments.entry_date <= as_of.as_of_date
),

with_next as (
    select
        known.*,
        lead(known.entry_date) over (
            partition by known.student_id order by known.entry_date, known.school_id
        ) as next_entry_date
    from known
),

closed as (
    select
        with_next.*,
        coalesce(
            with_next.exit_date,
            least(with_next.as_of_date, bounds.last_instructional_date)
        ) as open_exit_date
    from with_next
    left join bounds
        on
            with_next.school_id = bounds.school_id
            and with_next.school_year = bounds.school_year
),

final as (
    select
        student_id,
        school_id,
        school_year,
        grade_level,
        grade_band,
        entry_date,
        case
            when next_entry_date <= open_exit_date
                then cast({{ dbt.dateadd('day', -1, 'next_entry_date') }} as date)
            else exit_date
        end as exit_date,
        case
            when next_entry_date <= open_exit_date
                then cast({{ dbt.dateadd('day', -1, 'next_entry_date') }} as date)
            else open_exit_date
        end as effective_exit_date,
        coalesce(next_entry_date <= open_exit_date, false) as was_truncated_by_overlap,
        is_exit_known and exit_date is not null as has_exited,
        entry_type,
        entry_category,
        is_new_to_district,
        case when is_exit_known then exit_code end as exit_code,
        case when is_exit_known then exit_category end as exit_category,
        coalesce(is_exit_known and is_graduate, false) as is_graduate,
        coalesce(is_exit_known and is_dropout, false) as is_dropout,
        coalesce(is_exit_known and is_removed_from_acgr_cohort, false)
            as is_removed_from_acgr_cohort,
        coalesce(is_exit_known and is_district_exit, false) as is_district_exit,
        row_number() over (
            partition by student_id, school_year order by entry_date, school_id
        ) as spell_sequence_in_year
    from closed
)

select * from final
