-- Grain: one row per student per school year per decision point (student_id, school_year,
-- decision_point), the rows of int_decision_points__spells. Attendance known on the
-- decision date: the days of grading quarters up to the decision point's quarter. Counts
-- are null, never zero, when the district sent no attendance for the student-year
-- (ews_student_year.attendance_data_status); rates are null without days enrolled.
-- A table: ml_features and ml_service_risk_sets both read it.
{{ config(materialized='table', schema='int', access='private') }}

with

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

daily_attendance as (
    select * from {{ ref('fct_student_daily_attendance') }}
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

final as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point,
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
        end as latest_quarter_absence_rate
    from decision_spine
    inner join student_years as this_year
        on
            decision_spine.student_id = this_year.student_id
            and decision_spine.school_year = this_year.school_year
    left join attendance_to_date
        on
            decision_spine.student_id = attendance_to_date.student_id
            and decision_spine.school_year = attendance_to_date.school_year
            and decision_spine.decision_point = attendance_to_date.decision_point
)

select * from final
