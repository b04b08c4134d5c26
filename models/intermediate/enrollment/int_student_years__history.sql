-- Grain: one row per student per school year (the int_student_years spine), as of the
-- as-of date. The student's history up to the year: grade retention, age for grade and
-- the supports received. Rules:
--   * Retained: the grade of a year (that of the latest spell, as in the spine) is not
--     above the grade of the student's previous year in the district (a year with the
--     same or a higher grade came before it). times_retained counts such years up to
--     this one; has_been_retained is true once there is one, and stays true.
--   * Age on 1 September of the fall the school year starts in, in whole years; over-age
--     for grade when age minus (grade + var expected_kindergarten_age) reaches
--     var over_age_years. The birth date itself does not leave this model.
--   * Services: spells in stg_sis__program_services started on or before the as-of
--     date, counted in the school year they started in.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

coverage as (
    select * from {{ ref('int_student_years__data_coverage') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
),

students as (
    select * from {{ ref('stg_sis__students') }}
),

program_services as (
    select * from {{ ref('stg_sis__program_services') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

grade_history as (
    select
        student_id,
        school_year,
        grade_level,
        lag(grade_level) over (
            partition by student_id order by school_year
        ) as previous_grade_level,
        case
            when
                lag(grade_level) over (partition by student_id order by school_year)
                >= grade_level
                then 1
            else 0
        end as retention_step
    from student_years
),

retentions as (
    select
        student_id,
        school_year,
        grade_level,
        previous_grade_level,
        retention_step = 1 as is_repeating_grade,
        cast(sum(retention_step) over (
            partition by student_id
            order by school_year
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as times_retained
    from grade_history
),

birth_dates as (
    select
        student_id,
        cast(extract(year from birth_date) as {{ dbt.type_int() }}) as birth_year,
        cast(extract(month from birth_date) as {{ dbt.type_int() }}) as birth_month,
        cast(extract(day from birth_date) as {{ dbt.type_int() }}) as birth_day
    from students
),

-- Age on 1 September of the fall the year starts in (calendar year school_year - 1):
-- one less than the difference of years when the birthday falls after 1 September.
ages as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.school_year - 1 - birth_dates.birth_year
        - case
            when
                birth_dates.birth_month > 9
                or (birth_dates.birth_month = 9 and birth_dates.birth_day > 1)
                then 1
            else 0
        end as age_on_september_1
    from student_years
    inner join birth_dates
        on student_years.student_id = birth_dates.student_id
),

known_services as (
    select program_services.*
    from program_services
    cross join as_of
    where program_services.start_date <= as_of.as_of_date
),

service_years as (
    select
        student_id,
        school_year,
        count(*) as service_spells,
        max(mtss_tier) as highest_mtss_tier,
        -- by the kind of each service (seed xwalk_services), never its code
        max(case when service_kind = 'tutoring' then 1 else 0 end) = 1 as has_tutoring,
        max(case when service_kind = 'mentoring' then 1 else 0 end) = 1 as has_mentoring,
        max(case when service_kind = 'counseling' then 1 else 0 end) = 1 as has_counseling,
        max(case when service_kind = 'attendance_intervention' then 1 else 0 end) = 1
            as has_attendance_intervention,
        max(case when service_kind = 'remediation' then 1 else 0 end) = 1 as has_remediation,
        max(case when service_kind = 'gifted' then 1 else 0 end) = 1 as has_gifted_services
    from known_services
    group by student_id, school_year
),

earlier_services as (
    select
        student_years.student_id,
        student_years.school_year,
        cast(
            sum(service_years.service_spells)
            as {{ dbt.type_bigint() }}
        ) as earlier_service_spells,
        max(service_years.highest_mtss_tier) as earlier_highest_mtss_tier
    from student_years
    inner join service_years
        on
            student_years.student_id = service_years.student_id
            and student_years.school_year > service_years.school_year
    group by student_years.student_id, student_years.school_year
),

final as (
    select
        retentions.student_id,
        retentions.school_year,
        retentions.grade_level,
        retentions.previous_grade_level,
        retentions.is_repeating_grade,
        retentions.times_retained > 0 as has_been_retained,
        retentions.times_retained,
        ages.age_on_september_1,
        ages.age_on_september_1
        - (retentions.grade_level + {{ var('expected_kindergarten_age', 5) }})
            as years_above_expected_age,
        ages.age_on_september_1
        - (retentions.grade_level + {{ var('expected_kindergarten_age', 5) }})
        >= {{ var('over_age_years') }} as is_over_age_for_grade,
        {%- for column, expression in [
            ('service_spells_this_year', 'coalesce(service_years.service_spells, 0)'),
        ] %}
            {{ if_known('coverage.services_data_status', expression) }} as {{ column }},
        {%- endfor %}
        service_years.highest_mtss_tier as highest_mtss_tier_this_year,
        {%- for column, expression in [
            ('has_tutoring', 'coalesce(service_years.has_tutoring, false)'),
            ('has_mentoring', 'coalesce(service_years.has_mentoring, false)'),
            ('has_counseling', 'coalesce(service_years.has_counseling, false)'),
            (
                'has_attendance_intervention',
                'coalesce(service_years.has_attendance_intervention, false)'
            ),
            ('has_remediation', 'coalesce(service_years.has_remediation, false)'),
            ('has_gifted_services', 'coalesce(service_years.has_gifted_services, false)'),
            (
                'service_spells_earlier_years',
                'coalesce(earlier_services.earlier_service_spells, 0)'
            ),
        ] %}
            {{ if_known('coverage.services_data_status', expression) }} as {{ column }},
        {%- endfor %}
        earlier_services.earlier_highest_mtss_tier as highest_mtss_tier_earlier_years,
        coverage.services_data_status,
        -- earlier years' services: unknown when this year's are (the table is absent)
        {{ if_known(
            'coverage.services_data_status',
            'coalesce(earlier_services.earlier_service_spells, 0) > 0'
        ) }} as has_services_in_earlier_years
    from retentions
    left join ages
        on
            retentions.student_id = ages.student_id
            and retentions.school_year = ages.school_year
    left join service_years
        on
            retentions.student_id = service_years.student_id
            and retentions.school_year = service_years.school_year
    left join earlier_services
        on
            retentions.student_id = earlier_services.student_id
            and retentions.school_year = earlier_services.school_year
    left join coverage
        on
            retentions.student_id = coverage.student_id
            and retentions.school_year = coverage.school_year
)

select * from final
