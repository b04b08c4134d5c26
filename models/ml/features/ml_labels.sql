-- Grain: one row per student per school year per outcome the risk models predict, for the
-- rows whose outcome is known on the as-of date. Each outcome is stated as the adverse
-- event the risk is the probability of (is_adverse_outcome = true):
--   * next_grade_success (every band): next-grade success false (doc block
--     next_grade_success): retained, dropped out, or chronically absent, failing a core
--     course or dropping out in the next year.
--   * on_time_graduation (middle and high bands): not graduating with the four-year
--     cohort (ACGR rules of fct_student_outcomes); only students in an observed cohort
--     who were not removed from it (documented transfers out), and only years up to the
--     cohort year, when the outcome was still open.
--   * grade_3_reading (K-2): not proficient on the first grade-3 state reading test.
with

outcomes as (
    select * from {{ ref('fct_student_outcomes') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

next_grade as (
    select
        outcomes.student_id,
        outcomes.school_year,
        'next_grade_success' as outcome,
        not outcomes.next_grade_success as is_adverse_outcome
    from outcomes
    where outcomes.next_grade_success is not null
),

graduation as (
    select
        outcomes.student_id,
        outcomes.school_year,
        'on_time_graduation' as outcome,
        not outcomes.graduated_on_time as is_adverse_outcome
    from outcomes
    inner join student_years
        on
            outcomes.student_id = student_years.student_id
            and outcomes.school_year = student_years.school_year
    where
        outcomes.is_on_time_graduation_known
        and outcomes.is_cohort_start_observed
        and not outcomes.is_removed_from_cohort
        and outcomes.school_year <= outcomes.cohort_graduation_year
        and student_years.grade_band in ('middle', 'high')
),

reading as (
    select
        student_id,
        school_year,
        'grade_3_reading' as outcome,
        not is_grade_3_reading_proficient as is_adverse_outcome
    from outcomes
    where grade_level <= 2 and is_grade_3_reading_proficient is not null
),

final as (
    select * from next_grade
    union all
    select * from graduation
    union all
    select * from reading
)

select * from final
