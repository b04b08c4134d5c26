-- Grain: one row per student per school per school year (student_id, school_id,
-- school_year): every school the student was enrolled in that year, answering for its
-- own days only. Spells with no counted instructional day (entered after the school's
-- attendance-complete date, or on the as-of date before any school day) have a row with
-- zero days enrolled and null rates. The counts per grading quarter are summed over a
-- student's schools in int_student_years__attendance.
-- A table: it is small and read by several marts; as a view each read would redo the
-- daily join.
{{ config(materialized='table') }}

with

spells as (
    select * from {{ ref('int_enrollments__cleaned') }}
),

daily_attendance as (
    select * from {{ ref('int_student_school_days__attendance') }}
),

school_enrollments as (
    select
        student_id,
        school_id,
        school_year,
        max(grade_level) as grade_level,
        min(entry_date) as first_entry_date,
        max(effective_exit_date) as last_enrolled_date,
        count(*) as enrollment_spells
    from spells
    group by student_id, school_id, school_year
),

daily_totals as (
    select
        student_id,
        school_id,
        school_year,
        count(*) as days_enrolled,
        sum(attended_days) as days_attended,
        sum(absence_days) as days_absent,
        sum(excused_absence_days) as excused_absence_days,
        sum(unexcused_absence_days) as unexcused_absence_days,
        sum(case when is_full_day_absence then 1 else 0 end) as full_day_absences,
        sum(case when is_part_day_absence then 1 else 0 end) as part_day_absences,
        sum(case when is_present then 1 else 0 end) as days_present,
        sum(case when is_tardy then 1 else 0 end) as tardy_days,
        sum(case when is_early_departure then 1 else 0 end) as early_departure_days,
        sum(minutes_missed) as minutes_missed,
        {%- for quarter in range(1, 5) %}
            sum(case when grading_quarter = {{ quarter }} then 1 else 0 end)
                as quarter_{{ quarter }}_days_enrolled,
            sum(case when grading_quarter = {{ quarter }} then absence_days else 0 end)
                as quarter_{{ quarter }}_days_absent,
        {%- endfor %}
        min(calendar_date) as first_counted_date,
        max(calendar_date) as last_counted_date
    from daily_attendance
    group by student_id, school_id, school_year
),

combined as (
    select
        school_enrollments.student_id,
        school_enrollments.school_id,
        school_enrollments.school_year,
        school_enrollments.grade_level,
        school_enrollments.first_entry_date,
        school_enrollments.last_enrolled_date,
        school_enrollments.enrollment_spells,
        cast(coalesce(daily_totals.days_enrolled, 0) as {{ dbt.type_int() }}) as days_enrolled,
        cast(coalesce(daily_totals.days_attended, 0) as {{ type_double() }}) as days_attended,
        cast(coalesce(daily_totals.days_absent, 0) as {{ type_double() }}) as days_absent,
        cast(coalesce(daily_totals.excused_absence_days, 0) as {{ type_double() }})
            as excused_absence_days,
        cast(coalesce(daily_totals.unexcused_absence_days, 0) as {{ type_double() }})
            as unexcused_absence_days,
        cast(coalesce(daily_totals.full_day_absences, 0) as {{ dbt.type_int() }})
            as full_day_absences,
        cast(coalesce(daily_totals.part_day_absences, 0) as {{ dbt.type_int() }})
            as part_day_absences,
        cast(coalesce(daily_totals.days_present, 0) as {{ dbt.type_int() }}) as days_present,
        cast(coalesce(daily_totals.tardy_days, 0) as {{ dbt.type_int() }}) as tardy_days,
        cast(coalesce(daily_totals.early_departure_days, 0) as {{ dbt.type_int() }})
            as early_departure_days,
        cast(coalesce(daily_totals.minutes_missed, 0) as {{ dbt.type_int() }}) as minutes_missed,
        {%- for quarter in range(1, 5) %}
            cast(
                coalesce(daily_totals.quarter_{{ quarter }}_days_enrolled, 0)
                as {{ dbt.type_int() }}
            ) as quarter_{{ quarter }}_days_enrolled,
            cast(
                coalesce(daily_totals.quarter_{{ quarter }}_days_absent, 0)
                as {{ type_double() }}
            ) as quarter_{{ quarter }}_days_absent,
        {%- endfor %}
        daily_totals.first_counted_date,
        daily_totals.last_counted_date
    from school_enrollments
    left join daily_totals
        on
            school_enrollments.student_id = daily_totals.student_id
            and school_enrollments.school_id = daily_totals.school_id
            and school_enrollments.school_year = daily_totals.school_year
),

final as (
    select
        combined.*,
        combined.days_attended / nullif(combined.days_enrolled, 0) as attendance_rate,
        combined.days_absent / nullif(combined.days_enrolled, 0) as absence_rate
    from combined
)

select * from final
