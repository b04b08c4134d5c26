-- Grain: one row per school year per decision point. The moments a school could rerun
-- the risk models: the end of each grading quarter (q1, q2 = end of semester 1, q3) and
-- the end of the year (eoy). A decision date is the last instructional day of that
-- quarter in any school's calendar, so every day of the quarter, at every school, is on
-- or before it. A decision point is complete once its date is on or before the as-of
-- date; the current year is scored at its latest complete point.
with

calendar_days as (
    select * from {{ ref('dim_school_calendar') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('ews_student_year') }}
),

quarter_ends as (
    select
        school_year,
        grading_quarter,
        max(calendar_date) as decision_date
    from calendar_days
    where is_instructional_day and grading_quarter between 1 and 4
    group by school_year, grading_quarter
),

final as (
    select
        quarter_ends.school_year,
        case quarter_ends.grading_quarter
            when 1 then 'q1'
            when 2 then 'q2'
            when 3 then 'q3'
            else 'eoy'
        end as decision_point,
        quarter_ends.grading_quarter as decision_point_order,
        quarter_ends.decision_date,
        quarter_ends.decision_date <= as_of.as_of_date as is_complete
    from quarter_ends
    cross join as_of
)

select * from final
