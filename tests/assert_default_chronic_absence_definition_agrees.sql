-- What: the default definition's rows in ews_chronic_absence_by_definition flag exactly
-- the students ews_student_year flags as chronically absent.
-- Why it matters: BI users read both; two answers to "who is chronically absent" would
-- undermine every report built on them.
-- How to fix: both must read var chronic_absence_definition through the same seed row;
-- check int_student_years__attendance and the definitions seed.
with

by_definition as (
    select * from {{ ref('ews_chronic_absence_by_definition') }}
    where is_default_definition
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

final as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.is_chronically_absent as student_year_flag,
        by_definition.is_chronically_absent as definition_flag
    from student_years
    inner join by_definition
        on
            student_years.student_id = by_definition.student_id
            and student_years.school_year = by_definition.school_year
    where
        coalesce(student_years.is_chronically_absent, false)
        <> coalesce(by_definition.is_chronically_absent, false)
)

select * from final
