-- Grain: one row per student per school year per decision point (student_id, school_year,
-- decision_point), the rows of int_decision_points__spells. State tests known on the
-- decision date: the latest reading and math results administered on or before it (any
-- year), and the tests of this year's window the student missed. The window of a grade
-- and subject is the district's first administration of it; a test is missed when the
-- student was enrolled in the district on that day, in that grade, with no result by the
-- decision date. A year without testing (spring 2020) has no window, so its missing
-- results are not counted as missed.
-- A table: ml_features and ml_service_risk_sets both read it.
{{ config(materialized='table', schema='int', access='private') }}

with

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

enrollments as (
    select * from {{ ref('fct_enrollments') }}
),

assessments as (
    select * from {{ ref('fct_assessments') }}
),

ranked_tests as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        assessments.subject_area,
        assessments.performance_level,
        assessments.tested_grade_level,
        row_number() over (
            partition by
                decision_spine.student_id,
                decision_spine.school_year,
                decision_spine.decision_point,
                assessments.subject_area
            order by assessments.administration_date desc
        ) as recency_rank
    from decision_spine
    inner join assessments
        on
            decision_spine.student_id = assessments.student_id
            and decision_spine.decision_date >= assessments.administration_date
    where assessments.subject_area in ('ela', 'math')
),

latest_tests as (
    select
        student_id,
        school_year,
        decision_point,
        max(case when subject_area = 'ela' then performance_level end) as latest_reading_level,
        max(case when subject_area = 'ela' then tested_grade_level end)
            as latest_reading_tested_grade,
        max(case when subject_area = 'math' then performance_level end) as latest_math_level,
        max(case when subject_area = 'math' then tested_grade_level end)
            as latest_math_tested_grade
    from ranked_tests
    where recency_rank = 1
    group by student_id, school_year, decision_point
),

test_windows as (
    select
        school_year,
        tested_grade_level,
        subject_area,
        min(administration_date) as window_date
    from assessments
    where subject_area in ('ela', 'math')
    group by school_year, tested_grade_level, subject_area
),

missed_tests as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        count(*) as state_tests_missed_this_year
    from decision_spine
    inner join student_years
        on
            decision_spine.student_id = student_years.student_id
            and decision_spine.school_year = student_years.school_year
    inner join test_windows
        on
            decision_spine.school_year = test_windows.school_year
            and student_years.grade_level = test_windows.tested_grade_level
            and decision_spine.decision_date >= test_windows.window_date
    where
        exists (
            select 1 from enrollments
            where
                enrollments.student_id = decision_spine.student_id
                and enrollments.entry_date <= test_windows.window_date
                and (
                    enrollments.exit_date is null
                    or enrollments.exit_date >= test_windows.window_date
                )
        )
        and not exists (
            select 1 from assessments
            where
                assessments.student_id = decision_spine.student_id
                and assessments.school_year = decision_spine.school_year
                and assessments.subject_area = test_windows.subject_area
                and assessments.administration_date <= decision_spine.decision_date
        )
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
),

final as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        latest_tests.latest_reading_level,
        latest_tests.latest_reading_tested_grade,
        latest_tests.latest_math_level,
        latest_tests.latest_math_tested_grade,
        coalesce(missed_tests.state_tests_missed_this_year, 0) as state_tests_missed_this_year
    from decision_spine
    left join latest_tests
        on
            decision_spine.student_id = latest_tests.student_id
            and decision_spine.school_year = latest_tests.school_year
            and decision_spine.decision_point = latest_tests.decision_point
    left join missed_tests
        on
            decision_spine.student_id = missed_tests.student_id
            and decision_spine.school_year = missed_tests.school_year
            and decision_spine.decision_point = missed_tests.decision_point
)

select * from final
