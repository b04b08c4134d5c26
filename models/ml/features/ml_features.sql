-- Grain: one row per student per school year per decision point (ml_decision_points), for
-- students enrolled at the decision point: a spell that began on or before the end of the
-- quarter at its school and had not ended before it. Every feature uses only what the
-- school had on record on the decision date (doc block ml_features_known_by_rule):
--   * attendance: days of grading quarters up to the decision point's quarter;
--   * marks and credits: terms that ended on or before the decision date (summer marks
--     come after the year's end, so they count from the next year on);
--   * incidents, services, school spells: dated on or before the decision date;
--   * state tests: the latest result administered on or before the decision date, and
--     the tests of this year's window (first administration by the decision date)
--     missed while enrolled;
--   * the previous school year: whole-year figures from ews_student_year (finished).
-- A feature whose data the district did not send for the student-year (attendance,
-- marks and credits, behaviour, services: ews_student_year.*_data_status, doc block
-- data_coverage) is null, never zero; the models drop a feature no training row knows.
-- Student-group columns (sex, race/ethnicity, free/reduced lunch, English learner, IEP)
-- are carried for the fairness evaluation; the models use them only when var
-- ml_include_student_characteristics is true (python/k12ews/ml/risk/features.py).
-- Each domain's figures are built at this grain in its own model, joined here:
-- int_decision_points__spells (the spine: who is at the decision point, at which school,
-- after how many school changes), __attendance, __marks, __behaviour, __tests and
-- __services (models/ml/features).
-- Test ml_features_known_by_decision_date checks the rule by rebuilding without the data
-- dated after a decision date (python/tests/warehouse/test_ml_features.py).
with

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

attendance as (
    select * from {{ ref('int_decision_points__attendance') }}
),

marks as (
    select * from {{ ref('int_decision_points__marks') }}
),

behaviour as (
    select * from {{ ref('int_decision_points__behaviour') }}
),

tests as (
    select * from {{ ref('int_decision_points__tests') }}
),

services as (
    select * from {{ ref('int_decision_points__services') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

final as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        decision_spine.decision_point_order,
        decision_spine.decision_date,
        decision_spine.school_id,
        this_year.grade_level,
        this_year.grade_band,
        -- attendance to date
        attendance.days_enrolled_to_date,
        attendance.days_absent_to_date,
        attendance.absence_rate_to_date,
        attendance.unexcused_absence_rate_to_date,
        attendance.tardy_rate_to_date,
        attendance.latest_quarter_absence_rate,
        prior_year.absence_rate as prior_year_absence_rate,
        -- marks and credits to date
        marks.core_marks_to_date,
        marks.core_failures_to_date,
        marks.core_semester_failures_to_date,
        marks.math_failures_to_date,
        marks.ela_failures_to_date,
        marks.core_failures_described,
        marks.gpa_to_date,
        prior_year.year_gpa as prior_year_gpa,
        prior_year.core_failures as prior_year_core_failures,
        marks.credits_earned_to_date,
        marks.credits_expected_to_date,
        -- behaviour to date
        behaviour.incidents_to_date,
        behaviour.out_of_school_suspensions_to_date,
        behaviour.in_school_suspensions_to_date,
        behaviour.days_removed_to_date,
        prior_year.incidents as prior_year_incidents,
        prior_year.out_of_school_suspensions as prior_year_out_of_school_suspensions,
        -- mobility
        decision_spine.school_changes_this_year_to_date,
        decision_spine.schools_this_year_to_date,
        this_year.is_late_entry,
        this_year.is_new_to_district,
        prior_year.cumulative_school_changes as school_changes_before_this_year,
        -- state tests
        tests.latest_reading_level,
        tests.latest_reading_tested_grade,
        tests.latest_math_level,
        tests.latest_math_tested_grade,
        tests.state_tests_missed_this_year,
        -- history and services
        this_year.times_retained,
        this_year.is_over_age_for_grade,
        services.service_spells_this_year_to_date,
        services.highest_mtss_tier_this_year_to_date,
        services.service_spells_before_this_year,
        -- student groups (fairness evaluation; features only by var)
        this_year.sex,
        this_year.race_ethnicity_reporting_group,
        this_year.is_economically_disadvantaged,
        this_year.is_english_learner,
        this_year.has_iep
    from decision_spine
    inner join student_years as this_year
        on
            decision_spine.student_id = this_year.student_id
            and decision_spine.school_year = this_year.school_year
    left join student_years as prior_year
        on
            decision_spine.student_id = prior_year.student_id
            and decision_spine.school_year - 1 = prior_year.school_year
    left join attendance
        on
            decision_spine.student_id = attendance.student_id
            and decision_spine.school_year = attendance.school_year
            and decision_spine.decision_point = attendance.decision_point
    left join marks
        on
            decision_spine.student_id = marks.student_id
            and decision_spine.school_year = marks.school_year
            and decision_spine.decision_point = marks.decision_point
    left join behaviour
        on
            decision_spine.student_id = behaviour.student_id
            and decision_spine.school_year = behaviour.school_year
            and decision_spine.decision_point = behaviour.decision_point
    left join tests
        on
            decision_spine.student_id = tests.student_id
            and decision_spine.school_year = tests.school_year
            and decision_spine.decision_point = tests.decision_point
    left join services
        on
            decision_spine.student_id = services.student_id
            and decision_spine.school_year = services.school_year
            and decision_spine.decision_point = services.decision_point
)

select * from final
