-- Grain: one row per student per school per instructional date while enrolled
-- (student_id, school_id, calendar_date), up to the school's attendance-complete date.
-- The public daily attendance fact. Rules: int_student_school_days__attendance and the doc
-- block attendance_daily_rules. A view over int_student_school_days__attendance (see its
-- materialization var); BI tools read it like a table.
{{ config(materialized='view') }}

with

daily_attendance as (
    select * from {{ ref('int_student_school_days__attendance') }}
),

final as (
    select
        student_id,
        school_id,
        school_year,
        calendar_date,
        grading_quarter,
        semester,
        grade_level,
        attendance_event_category,
        absence_days,
        excused_absence_days,
        unexcused_absence_days,
        attended_days,
        is_present,
        is_tardy,
        is_early_departure,
        minutes_missed
    from daily_attendance
)

select * from final
