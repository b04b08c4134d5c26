-- Grain: one row per school per school year per decision point (school_id, school_year,
-- decision_point). What is still to come in the year after a decision point, from the
-- school's calendar, for the changes ml_risk_recourse may suggest:
--   * school days after the decision date (they join the year's attendance rates), and
--     school days left after the as-of date (only those can still be changed);
--   * the grading terms that count in the GPA: how many the year has, how many had
--     ended by the decision point; a school grades by quarter or by semester, as its
--     latest year of marks counted in the GPA shows (fct_course_grades);
--   * the top of the GPA scale (seed xwalk_letter_grades).
with

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

decision_points as (
    select * from {{ ref('ml_decision_points') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

course_grades as (
    select * from {{ ref('fct_course_grades') }}
),

letter_grades as (
    select * from {{ ref('xwalk_letter_grades') }}
),

as_of as (
    select max(as_of_date) as as_of_date from student_years
),

gpa_scale as (
    select max(grade_points) as gpa_scale_maximum
    from letter_grades
    where counts_in_gpa
),

instructional_days as (
    select
        school_id,
        school_year,
        calendar_date,
        grading_quarter,
        semester
    from calendar_days
    where is_instructional_day and grading_quarter between 1 and 4
),

-- How each school grades the terms counted in the GPA, from its latest year of such marks
-- (most marks first when a school has both).
term_types as (
    select
        school_id,
        term_type,
        max(school_year) as latest_school_year,
        count(*) as marks
    from course_grades
    where is_counted_in_gpa and is_regular_term
    group by school_id, term_type
),

school_term_types as (
    select
        school_id,
        term_type
    from term_types
    qualify
        row_number() over (
            partition by school_id order by latest_school_year desc, marks desc, term_type asc
        ) = 1
),

-- The last grading quarter of each term: a quarter ends itself; a semester ends with
-- its last quarter.
term_ends as (
    select
        instructional_days.school_id,
        instructional_days.school_year,
        case
            when school_term_types.term_type = 'semester'
                then instructional_days.semester
            else instructional_days.grading_quarter
        end as term_number,
        max(instructional_days.grading_quarter) as term_end_quarter
    from instructional_days
    inner join school_term_types
        on instructional_days.school_id = school_term_types.school_id
    group by
        instructional_days.school_id,
        instructional_days.school_year,
        case
            when school_term_types.term_type = 'semester'
                then instructional_days.semester
            else instructional_days.grading_quarter
        end
),

days as (
    select
        instructional_days.school_id,
        decision_points.school_year,
        decision_points.decision_point,
        decision_points.decision_date,
        as_of.as_of_date,
        count(
            case when instructional_days.calendar_date > decision_points.decision_date then 1 end
        ) as school_days_after_decision,
        count(
            case
                when
                    instructional_days.calendar_date > decision_points.decision_date
                    and instructional_days.calendar_date > as_of.as_of_date
                    then 1
            end
        ) as school_days_left,
        max(instructional_days.calendar_date) as last_school_day
    from decision_points
    inner join instructional_days
        on decision_points.school_year = instructional_days.school_year
    cross join as_of
    group by
        instructional_days.school_id,
        decision_points.school_year,
        decision_points.decision_point,
        decision_points.decision_date,
        as_of.as_of_date
),

terms as (
    select
        term_ends.school_id,
        term_ends.school_year,
        decision_points.decision_point,
        count(*) as gpa_terms_in_year,
        count(
            case when term_ends.term_end_quarter <= decision_points.decision_point_order then 1 end
        ) as gpa_terms_ended
    from term_ends
    inner join decision_points
        on term_ends.school_year = decision_points.school_year
    group by term_ends.school_id, term_ends.school_year, decision_points.decision_point
),

final as (
    select
        days.school_id,
        days.school_year,
        days.decision_point,
        days.decision_date,
        days.as_of_date,
        days.last_school_day,
        cast(days.school_days_after_decision as integer) as school_days_after_decision,
        cast(days.school_days_left as integer) as school_days_left,
        school_term_types.term_type as gpa_term_type,
        cast(terms.gpa_terms_in_year as integer) as gpa_terms_in_year,
        cast(terms.gpa_terms_ended as integer) as gpa_terms_ended,
        gpa_scale.gpa_scale_maximum
    from days
    cross join gpa_scale
    left join school_term_types
        on days.school_id = school_term_types.school_id
    left join terms
        on
            days.school_id = terms.school_id
            and days.school_year = terms.school_year
            and days.decision_point = terms.decision_point
)

select * from final
