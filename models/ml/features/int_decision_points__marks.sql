-- Grain: one row per student per school year per decision point (student_id, school_year,
-- decision_point), the rows of int_decision_points__spells. Term marks and credits known
-- on the decision date: marks of this year's terms that ended on or before it (summer
-- marks come after the year's end, so they count from the next year on), high-school
-- credits of earlier years (summer included), and the credits an on-time student has by
-- now. The counts are null, never zero, when the district sent no marks for the
-- student-year (ews_student_year.course_performance_data_status).
-- A table: ml_features and ml_service_risk_sets both read it.
{{ config(materialized='table', schema='int', access='private') }}

with

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

course_grades as (
    select * from {{ ref('fct_course_grades') }}
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

final as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
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
        end as credits_expected_to_date
    from decision_spine
    inner join student_years as this_year
        on
            decision_spine.student_id = this_year.student_id
            and decision_spine.school_year = this_year.school_year
    left join student_years as prior_year
        on
            decision_spine.student_id = prior_year.student_id
            and decision_spine.school_year - 1 = prior_year.school_year
    left join marks_to_date
        on
            decision_spine.student_id = marks_to_date.student_id
            and decision_spine.school_year = marks_to_date.school_year
            and decision_spine.decision_point = marks_to_date.decision_point
    left join earlier_credits
        on
            decision_spine.student_id = earlier_credits.student_id
            and decision_spine.school_year = earlier_credits.school_year
            and decision_spine.decision_point = earlier_credits.decision_point
    left join earlier_high_school_years
        on
            decision_spine.student_id = earlier_high_school_years.student_id
            and decision_spine.school_year = earlier_high_school_years.school_year
)

select * from final
