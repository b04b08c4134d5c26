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
-- Test ml_features_known_by_decision_date checks the rule by rebuilding without the data
-- dated after a decision date (python/tests/warehouse/test_ml_features.py).
with

decision_points as (
    select * from {{ ref('ml_decision_points') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

enrollments as (
    select * from {{ ref('fct_enrollments') }}
),

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

daily_attendance as (
    select * from {{ ref('fct_student_daily_attendance') }}
),

course_grades as (
    select * from {{ ref('fct_course_grades') }}
),

discipline as (
    select * from {{ ref('fct_discipline') }}
),

assessments as (
    select * from {{ ref('fct_assessments') }}
),

program_services as (
    select * from {{ ref('fct_program_services') }}
),

-- The last instructional day of each quarter at each school.
school_quarter_ends as (
    select
        school_id,
        school_year,
        grading_quarter,
        max(calendar_date) as quarter_end_date
    from calendar_days
    where is_instructional_day and grading_quarter between 1 and 4
    group by school_id, school_year, grading_quarter
),

-- Spells the school knew of on the decision date, and whether each still ran at the
-- end of the quarter at its school.
known_spells as (
    select
        enrollments.student_id,
        enrollments.school_year,
        enrollments.school_id,
        enrollments.entry_date,
        decision_points.decision_point,
        decision_points.decision_point_order,
        decision_points.decision_date,
        school_quarter_ends.quarter_end_date,
        (
            enrollments.exit_date is null
            or enrollments.exit_date >= school_quarter_ends.quarter_end_date
        )
        and enrollments.entry_date <= school_quarter_ends.quarter_end_date
            as is_enrolled_at_quarter_end
    from enrollments
    inner join decision_points
        on
            enrollments.school_year = decision_points.school_year
            and enrollments.entry_date <= decision_points.decision_date
    inner join school_quarter_ends
        on
            enrollments.school_id = school_quarter_ends.school_id
            and enrollments.school_year = school_quarter_ends.school_year
            and decision_points.decision_point_order = school_quarter_ends.grading_quarter
),

ranked_known_spells as (
    select
        known_spells.*,
        row_number() over (
            partition by
                known_spells.student_id, known_spells.school_year, known_spells.decision_point
            order by known_spells.entry_date desc, known_spells.school_id desc
        ) as recency_rank,
        count(*) over (
            partition by
                known_spells.student_id, known_spells.school_year, known_spells.decision_point
        ) as spells_to_date,
        count(distinct known_spells.school_id) over (
            partition by
                known_spells.student_id, known_spells.school_year, known_spells.decision_point
        ) as schools_to_date
    from known_spells
),

decision_spine as (
    select
        student_id,
        school_year,
        decision_point,
        decision_point_order,
        decision_date,
        school_id,
        spells_to_date,
        schools_to_date
    from ranked_known_spells
    where recency_rank = 1 and is_enrolled_at_quarter_end
),

quarter_attendance as (
    select
        student_id,
        school_year,
        grading_quarter,
        cast(count(*) as {{ type_double() }}) as days_enrolled,
        cast(sum(absence_days) as {{ type_double() }}) as days_absent,
        cast(sum(unexcused_absence_days) as {{ type_double() }}) as unexcused_days_absent,
        cast(sum(case when is_tardy then 1 else 0 end) as {{ type_double() }}) as tardy_days
    from daily_attendance
    where grading_quarter between 1 and 4
    group by student_id, school_year, grading_quarter
),

attendance_to_date as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        sum(quarter_attendance.days_enrolled) as days_enrolled_to_date,
        sum(quarter_attendance.days_absent) as days_absent_to_date,
        sum(quarter_attendance.unexcused_days_absent) as unexcused_days_absent_to_date,
        sum(quarter_attendance.tardy_days) as tardy_days_to_date,
        sum(
            case
                when quarter_attendance.grading_quarter = decision_spine.decision_point_order
                    then quarter_attendance.days_enrolled
            end
        ) as latest_quarter_days_enrolled,
        sum(
            case
                when quarter_attendance.grading_quarter = decision_spine.decision_point_order
                    then quarter_attendance.days_absent
            end
        ) as latest_quarter_days_absent
    from decision_spine
    inner join quarter_attendance
        on
            decision_spine.student_id = quarter_attendance.student_id
            and decision_spine.school_year = quarter_attendance.school_year
            and decision_spine.decision_point_order >= quarter_attendance.grading_quarter
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
),

described_grades as (
    select
        *,
        -- the term in words from its meaning (seed xwalk_terms): quarter 1, semester 2, summer
        case
            when term_number is null then term_type
            else {{ dbt.concat(
                ["term_type", "' '", "cast(term_number as " ~ dbt.type_string() ~ ")"]
            ) }}
        end as term_description
    from course_grades
),

marks_to_date as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        count(case when course_grades.is_core_course then 1 end) as core_marks_to_date,
        count(case when course_grades.is_core_failure then 1 end) as core_failures_to_date,
        count(
            case
                when course_grades.is_core_failure and course_grades.term_type = 'semester' then 1
            end
        ) as core_semester_failures_to_date,
        count(
            case
                when course_grades.is_core_failure and course_grades.subject_area = 'math' then 1
            end
        ) as math_failures_to_date,
        count(
            case
                when course_grades.is_core_failure and course_grades.subject_area = 'ela' then 1
            end
        ) as ela_failures_to_date,
        avg(case when course_grades.is_counted_in_gpa then course_grades.grade_points end)
            as gpa_to_date,
        sum(course_grades.credits_earned) as credits_earned_this_year_to_date,
        {{ dbt.listagg(
            "case when course_grades.is_core_failure then "
            ~ dbt.concat(["course_grades.course_title", "' ('", "course_grades.term_description", "')'"])
            ~ " end",
            "'; '",
            "order by course_grades.term_end_date, course_grades.course_title"
        ) }} as core_failures_described
    from decision_spine
    inner join described_grades as course_grades
        on
            decision_spine.student_id = course_grades.student_id
            and decision_spine.school_year = course_grades.school_year
            and decision_spine.decision_date >= course_grades.term_end_date
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
),

-- High-school credits from earlier years (summer terms included) and the high-school
-- years before this one.
earlier_credits as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        sum(course_grades.credits_earned) as credits_earned_before_this_year
    from decision_spine
    inner join course_grades
        on
            decision_spine.student_id = course_grades.student_id
            and decision_spine.school_year > course_grades.school_year
            and course_grades.course_grade_band = 'high'
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
),

earlier_high_school_years as (
    select
        this_year.student_id,
        this_year.school_year,
        count(*) as high_school_years_before
    from student_years as this_year
    inner join student_years as earlier
        on
            this_year.student_id = earlier.student_id
            and this_year.school_year > earlier.school_year
            and earlier.grade_band = 'high'
    group by this_year.student_id, this_year.school_year
),

behaviour_to_date as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        count(*) as incidents_to_date,
        count(case when discipline.is_out_of_school_suspension then 1 end)
            as out_of_school_suspensions_to_date,
        count(case when discipline.is_in_school_suspension then 1 end)
            as in_school_suspensions_to_date,
        sum(discipline.days_removed) as days_removed_to_date
    from decision_spine
    inner join discipline
        on
            decision_spine.student_id = discipline.student_id
            and decision_spine.school_year = discipline.school_year
            and decision_spine.decision_date >= discipline.incident_date
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
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

-- The district's state test window for a grade and subject (its first administration),
-- and the students enrolled in the district on that day, in that grade, with no result
-- by the decision date: a missed test. A year without testing (spring 2020) has no
-- window, so its missing results are not counted as missed.
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

services_to_date as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
        count(
            case when program_services.school_year = decision_spine.school_year then 1 end
        ) as service_spells_this_year_to_date,
        max(
            case
                when program_services.school_year = decision_spine.school_year
                    then program_services.mtss_tier
            end
        ) as highest_mtss_tier_this_year_to_date,
        count(
            case when program_services.school_year < decision_spine.school_year then 1 end
        ) as service_spells_before_this_year
    from decision_spine
    inner join program_services
        on
            decision_spine.student_id = program_services.student_id
            and decision_spine.decision_date >= program_services.start_date
    group by decision_spine.student_id, decision_spine.school_year, decision_spine.decision_point
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
        {{ if_known(
            'this_year.attendance_data_status',
            'coalesce(attendance_to_date.days_enrolled_to_date, 0)'
        ) }} as days_enrolled_to_date,
        {{ if_known(
            'this_year.attendance_data_status',
            'coalesce(attendance_to_date.days_absent_to_date, 0)'
        ) }} as days_absent_to_date,
        case
            when attendance_to_date.days_enrolled_to_date > 0
                then
                    attendance_to_date.days_absent_to_date
                    / attendance_to_date.days_enrolled_to_date
        end as absence_rate_to_date,
        case
            when attendance_to_date.days_enrolled_to_date > 0
                then
                    attendance_to_date.unexcused_days_absent_to_date
                    / attendance_to_date.days_enrolled_to_date
        end as unexcused_absence_rate_to_date,
        case
            when attendance_to_date.days_enrolled_to_date > 0
                then
                    attendance_to_date.tardy_days_to_date / attendance_to_date.days_enrolled_to_date
        end as tardy_rate_to_date,
        case
            when attendance_to_date.latest_quarter_days_enrolled > 0
                then
                    attendance_to_date.latest_quarter_days_absent
                    / attendance_to_date.latest_quarter_days_enrolled
        end as latest_quarter_absence_rate,
        prior_year.absence_rate as prior_year_absence_rate,
        -- marks and credits to date
        {{ if_known(
            'this_year.course_performance_data_status',
            'coalesce(marks_to_date.core_marks_to_date, 0)'
        ) }} as core_marks_to_date,
        {{ if_known(
            'this_year.course_performance_data_status',
            'coalesce(marks_to_date.core_failures_to_date, 0)'
        ) }} as core_failures_to_date,
        {{ if_known(
            'this_year.course_performance_data_status',
            'coalesce(marks_to_date.core_semester_failures_to_date, 0)'
        ) }} as core_semester_failures_to_date,
        {{ if_known(
            'this_year.course_performance_data_status',
            'coalesce(marks_to_date.math_failures_to_date, 0)'
        ) }} as math_failures_to_date,
        {{ if_known(
            'this_year.course_performance_data_status',
            'coalesce(marks_to_date.ela_failures_to_date, 0)'
        ) }} as ela_failures_to_date,
        marks_to_date.core_failures_described,
        marks_to_date.gpa_to_date,
        prior_year.year_gpa as prior_year_gpa,
        prior_year.core_failures as prior_year_core_failures,
        case
            -- unknown when this year's marks, or an earlier high-school year's, are absent
            when
                this_year.course_performance_data_status = 'absent'
                or (
                    prior_year.grade_band = 'high'
                    and prior_year.cumulative_high_school_credits is null
                )
                then null
            when this_year.grade_band = 'high'
                then
                    coalesce(earlier_credits.credits_earned_before_this_year, 0)
                    + coalesce(marks_to_date.credits_earned_this_year_to_date, 0)
        end as credits_earned_to_date,
        case
            when this_year.grade_band = 'high'
                then
                    {{ var('credits_per_year_on_time') }}
                    * (
                        coalesce(earlier_high_school_years.high_school_years_before, 0)
                        + case decision_spine.decision_point_order
                            when 1 then 0.0 when 2 then 0.5 when 3 then 0.5 else 1.0
                        end
                    )
        end as credits_expected_to_date,
        -- behaviour to date
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.incidents_to_date, 0)'
        ) }} as incidents_to_date,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.out_of_school_suspensions_to_date, 0)'
        ) }}
            as out_of_school_suspensions_to_date,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.in_school_suspensions_to_date, 0)'
        ) }}
            as in_school_suspensions_to_date,
        {{ if_known(
            'this_year.behaviour_data_status',
            'coalesce(behaviour_to_date.days_removed_to_date, 0.0)'
        ) }} as days_removed_to_date,
        prior_year.incidents as prior_year_incidents,
        prior_year.out_of_school_suspensions as prior_year_out_of_school_suspensions,
        -- mobility
        decision_spine.spells_to_date - 1 as school_changes_this_year_to_date,
        decision_spine.schools_to_date as schools_this_year_to_date,
        this_year.is_late_entry,
        this_year.is_new_to_district,
        prior_year.cumulative_school_changes as school_changes_before_this_year,
        -- state tests
        latest_tests.latest_reading_level,
        latest_tests.latest_reading_tested_grade,
        latest_tests.latest_math_level,
        latest_tests.latest_math_tested_grade,
        coalesce(missed_tests.state_tests_missed_this_year, 0) as state_tests_missed_this_year,
        -- history and services
        this_year.times_retained,
        this_year.is_over_age_for_grade,
        {{ if_known(
            'this_year.services_data_status',
            'coalesce(services_to_date.service_spells_this_year_to_date, 0)'
        ) }}
            as service_spells_this_year_to_date,
        services_to_date.highest_mtss_tier_this_year_to_date,
        {{ if_known(
            'this_year.services_data_status',
            'coalesce(services_to_date.service_spells_before_this_year, 0)'
        ) }}
            as service_spells_before_this_year,
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
    left join attendance_to_date
        on
            decision_spine.student_id = attendance_to_date.student_id
            and decision_spine.school_year = attendance_to_date.school_year
            and decision_spine.decision_point = attendance_to_date.decision_point
    left join marks_to_date
        on
            decision_spine.student_id = marks_to_date.student_id
            and decision_spine.school_year = marks_to_date.school_year
            and decision_spine.decision_point = marks_to_date.decision_point
    left join missed_tests
        on
            decision_spine.student_id = missed_tests.student_id
            and decision_spine.school_year = missed_tests.school_year
            and decision_spine.decision_point = missed_tests.decision_point
    left join earlier_credits
        on
            decision_spine.student_id = earlier_credits.student_id
            and decision_spine.school_year = earlier_credits.school_year
            and decision_spine.decision_point = earlier_credits.decision_point
    left join earlier_high_school_years
        on
            decision_spine.student_id = earlier_high_school_years.student_id
            and decision_spine.school_year = earlier_high_school_years.school_year
    left join behaviour_to_date
        on
            decision_spine.student_id = behaviour_to_date.student_id
            and decision_spine.school_year = behaviour_to_date.school_year
            and decision_spine.decision_point = behaviour_to_date.decision_point
    left join latest_tests
        on
            decision_spine.student_id = latest_tests.student_id
            and decision_spine.school_year = latest_tests.school_year
            and decision_spine.decision_point = latest_tests.decision_point
    left join services_to_date
        on
            decision_spine.student_id = services_to_date.student_id
            and decision_spine.school_year = services_to_date.school_year
            and decision_spine.decision_point = services_to_date.decision_point
)

select * from final
