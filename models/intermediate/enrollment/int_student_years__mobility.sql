-- Grain: one row per student per school year (the int_student_years spine), as of the
-- as-of date. How much the student moved in the year and up to it. Rules (doc block
-- mobility_school_changes):
--   * A school change is an enrollment spell at a different school from the student's
--     previous spell in the district (spells ordered by entry date).
--   * Mid-year school change: both spells are in the same school year. Every one counts.
--   * Change at the start of the year (a summer transfer, or a return at another school):
--     the first spell of the year is at a different school from the last spell before
--     it. It counts unless it is structural: the previous school does not serve the
--     grade the student is now in (moving up from an elementary to a middle school, or
--     from a middle to a high school), whichever school of the next level it is.
--   * Re-entry within the year: a spell that follows, in the same school year, a spell
--     whose exit took the student out of the district (withdrawn and came back).
--   * Late entry: the school of the first spell of the year had held more than
--     var late_entry_days instructional days before the student's first entry.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

student_years as (
    select * from {{ ref('int_student_years') }}
),

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

schools as (
    select * from {{ ref('stg_sis__schools') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

spells_with_previous as (
    select
        student_id,
        school_year,
        school_id,
        grade_level,
        entry_date,
        spell_sequence_in_year,
        lag(school_id) over (
            partition by student_id order by entry_date, school_id
        ) as previous_school_id,
        lag(school_year) over (
            partition by student_id order by entry_date, school_id
        ) as previous_school_year,
        lag(is_district_exit) over (
            partition by student_id order by entry_date, school_id
        ) as has_previous_spell_left_district
    from spells
),

spell_transitions as (
    select
        spells_with_previous.student_id,
        spells_with_previous.school_year,
        case
            when
                spells_with_previous.previous_school_year = spells_with_previous.school_year
                and spells_with_previous.previous_school_id <> spells_with_previous.school_id
                then 1
            else 0
        end as mid_year_school_change,
        -- Structural when the previous school's grade span ends below the current grade.
        case
            when
                spells_with_previous.previous_school_year < spells_with_previous.school_year
                and spells_with_previous.previous_school_id <> spells_with_previous.school_id
                and not coalesce(
                    spells_with_previous.grade_level > previous_schools.high_grade_level,
                    false
                )
                then 1
            else 0
        end as year_start_school_change,
        case
            when
                spells_with_previous.previous_school_year = spells_with_previous.school_year
                and spells_with_previous.has_previous_spell_left_district
                then 1
            else 0
        end as district_reentry
    from spells_with_previous
    left join schools as previous_schools
        on spells_with_previous.previous_school_id = previous_schools.school_id
),

year_transitions as (
    select
        student_id,
        school_year,
        cast(sum(mid_year_school_change) as {{ dbt.type_bigint() }}) as mid_year_school_changes,
        cast(sum(year_start_school_change) as {{ dbt.type_bigint() }})
            as year_start_school_changes,
        cast(sum(district_reentry) as {{ dbt.type_bigint() }}) as district_reentries
    from spell_transitions
    group by student_id, school_year
),

first_spells as (
    select
        student_id,
        school_year,
        school_id,
        entry_date
    from spells
    where spell_sequence_in_year = 1
),

days_before_entry as (
    select
        first_spells.student_id,
        first_spells.school_year,
        first_spells.school_id,
        count(calendar_days.calendar_date) as instructional_days_before_entry
    from first_spells
    left join calendar_days
        on
            first_spells.school_id = calendar_days.school_id
            and first_spells.school_year = calendar_days.school_year
            and first_spells.entry_date > calendar_days.calendar_date
            and calendar_days.is_instructional_day
    group by first_spells.student_id, first_spells.school_year, first_spells.school_id
),

late_entries as (
    select
        days_before_entry.student_id,
        days_before_entry.school_year,
        calendar_bounds.first_instructional_date,
        case
            when calendar_bounds.first_instructional_date is not null
                then days_before_entry.instructional_days_before_entry
        end as instructional_days_before_entry
    from days_before_entry
    left join calendar_bounds
        on
            days_before_entry.school_id = calendar_bounds.school_id
            and days_before_entry.school_year = calendar_bounds.school_year
),

yearly as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        student_years.school_id,
        student_years.schools_attended,
        student_years.enrollment_spells,
        year_transitions.mid_year_school_changes,
        year_transitions.year_start_school_changes,
        year_transitions.mid_year_school_changes
        + year_transitions.year_start_school_changes as school_changes_this_year,
        year_transitions.district_reentries,
        student_years.first_entry_date,
        late_entries.first_instructional_date,
        late_entries.instructional_days_before_entry,
        student_years.entered_new_to_district,
        min(student_years.school_year) over (
            partition by student_years.student_id
        ) as first_school_year_in_district,
        row_number() over (
            partition by student_years.student_id order by student_years.school_year
        ) as years_in_district
    from student_years
    inner join year_transitions
        on
            student_years.student_id = year_transitions.student_id
            and student_years.school_year = year_transitions.school_year
    left join late_entries
        on
            student_years.student_id = late_entries.student_id
            and student_years.school_year = late_entries.school_year
),

final as (
    select
        student_id,
        school_year,
        grade_level,
        school_id,
        schools_attended,
        enrollment_spells,
        mid_year_school_changes,
        mid_year_school_changes > 0 as has_mid_year_school_change,
        year_start_school_changes > 0 as has_school_change_at_year_start,
        school_changes_this_year,
        cast(sum(school_changes_this_year) over (
            partition by student_id
            order by school_year
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as cumulative_school_changes,
        first_entry_date,
        first_instructional_date,
        instructional_days_before_entry,
        instructional_days_before_entry > {{ var('late_entry_days', 10) }} as is_late_entry,
        district_reentries,
        district_reentries > 0 as has_exit_and_reentry,
        -- unknown (null) in the first year when the entry type is not on record
        case
            when school_year = first_school_year_in_district then entered_new_to_district
            else false
        end as is_new_to_district,
        first_school_year_in_district,
        years_in_district
    from yearly
)

select * from final
