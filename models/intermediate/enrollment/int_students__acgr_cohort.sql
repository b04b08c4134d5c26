-- Grain: one row per student with a spell in a high-school grade (student_id): the
-- student's four-year adjusted cohort (doc block outcomes_acgr_cohort) and where the
-- student stands in it, from the enrollment spells and their years' data coverage. Whether
-- graduating on time is known on the as-of date is decided by fct_student_outcomes,
-- which reads it.
-- A view: one model reads it.
{{ config(materialized='view') }}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

coverage as (
    select * from {{ ref('int_student_years__data_coverage') }}
),

-- The cohort is fixed by the first spell in a high-school grade: a first-time 9th
-- grader in year y graduates with cohort y + 3; a student entering in grade 10, 11 or
-- 12 joins the cohort of that grade (year + 12 - grade, 12 being the last grade).
ranked_high_school_spells as (
    select
        student_id,
        school_year,
        grade_level,
        row_number() over (
            partition by student_id order by entry_date, school_id
        ) as high_school_spell_rank
    from spells
    where grade_band = 'high'
),

cohorts as (
    select
        student_id,
        school_year as cohort_entry_school_year,
        school_year + 12 - grade_level as cohort_graduation_year
    from ranked_high_school_spells
    where high_school_spell_rank = 1
),

-- A cohort year whose exits carry no exit codes at the student's school, or an exit of
-- the student's own without a code: graduating or not is unknown.
cohort_exit_coverage as (
    select
        cohorts.student_id,
        max(case when coverage.graduation_data_status = 'absent' then 1 else 0 end)
            as has_exits_without_codes
    from cohorts
    inner join coverage
        on
            cohorts.student_id = coverage.student_id
            and coverage.school_year
            between cohorts.cohort_entry_school_year and cohorts.cohort_graduation_year
    group by cohorts.student_id
    union all
    select
        cohorts.student_id,
        1 as has_exits_without_codes
    from cohorts
    inner join spells
        on
            cohorts.student_id = spells.student_id
            and spells.school_year
            between cohorts.cohort_entry_school_year and cohorts.cohort_graduation_year
    where spells.has_exited and spells.exit_code is null
    group by cohorts.student_id
),

cohort_exit_unknown as (
    select
        student_id,
        max(has_exits_without_codes) as has_exits_without_codes
    from cohort_exit_coverage
    group by student_id
),

-- The cohort's 9th-grade year (cohort year - 3) must be after the first year of the
-- extract, or its first-time 9th graders cannot be told from repeaters.
extract_years as (
    select min(school_year) as first_extract_school_year from spells
),

-- The student's standing at the end of the cohort year (summer included): the latest
-- spell of a school year up to the cohort year decides whether the student left the
-- cohort, so a student who came back after a documented transfer out is counted again.
ranked_cohort_spells as (
    select
        spells.student_id,
        spells.is_removed_from_acgr_cohort,
        row_number() over (
            partition by spells.student_id
            order by spells.entry_date desc, spells.school_id desc
        ) as recency_rank
    from spells
    inner join cohorts
        on
            spells.student_id = cohorts.student_id
            and spells.school_year <= cohorts.cohort_graduation_year
),

diplomas as (
    select
        student_id,
        min(school_year) as diploma_school_year
    from spells
    where is_graduate
    group by student_id
),

final as (
    select
        cohorts.student_id,
        cohorts.cohort_entry_school_year,
        cohorts.cohort_graduation_year,
        cohorts.cohort_graduation_year - 3 > extract_years.first_extract_school_year
            as is_cohort_start_observed,
        coalesce(ranked_cohort_spells.is_removed_from_acgr_cohort, false)
            as is_removed_from_cohort,
        diplomas.diploma_school_year,
        coalesce(cohort_exit_unknown.has_exits_without_codes = 1, false)
            as has_exits_without_codes
    from cohorts
    cross join extract_years
    left join ranked_cohort_spells
        on
            cohorts.student_id = ranked_cohort_spells.student_id
            and ranked_cohort_spells.recency_rank = 1
    left join diplomas
        on cohorts.student_id = diplomas.student_id
    left join cohort_exit_unknown
        on cohorts.student_id = cohort_exit_unknown.student_id
)

select * from final
