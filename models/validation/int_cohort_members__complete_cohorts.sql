-- Grain: one row per student (student_id) in an ACGR cohort whose outcome is known for
-- every member (doc block outcomes_acgr_cohort): counted from the cohort's entry year,
-- with an observed cohort start, not removed from the cohort. The denominators of the
-- graduation rates and of the grade-3 reading measures of validation_district_rates.
-- A view: two models read it.
{{ config(materialized='view', schema='int', access='private') }}

with

outcomes as (
    select * from {{ ref('fct_student_outcomes') }}
),

complete_cohorts as (
    select cohort_graduation_year
    from outcomes
    where is_cohort_entry_year and is_cohort_start_observed
    group by cohort_graduation_year
    having min(case when is_on_time_graduation_known then 1 else 0 end) = 1
),

final as (
    select
        outcomes.student_id,
        outcomes.cohort_graduation_year,
        outcomes.graduated_on_time
    from outcomes
    inner join complete_cohorts
        on outcomes.cohort_graduation_year = complete_cohorts.cohort_graduation_year
    where
        outcomes.is_cohort_entry_year
        and outcomes.is_cohort_start_observed
        and not outcomes.is_removed_from_cohort
)

select * from final
