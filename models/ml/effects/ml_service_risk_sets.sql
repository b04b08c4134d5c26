-- Grain: one row per student per school year per start quarter per service (student_id,
-- school_year, start_quarter, service). The risk sets of the intervention-effect
-- estimates (doc block ml_service_risk_set_rule): at the first instructional day of
-- grading quarter q at the student's school, every student enrolled then who was in the
-- district at the previous decision point (q1: the end of the previous school year; q2-4:
-- the end of this year's previous quarter), had not started the service earlier this
-- year and is in its population (grades where the district has ever started it; gifted
-- services, service_kind gifted in seed xwalk_services, only for students identified
-- gifted that year). is_treated: the student's first spell of the service this year starts in this
-- quarter of the calendar of the school that provided it. The confounders are what the
-- school knew on the quarter's first day: the previous decision point's figures
-- (ml_features), the previous school year's whole record with summer credit recovery
-- (ews_student_year), this year's characteristics, and incidents, term marks and
-- services dated before the quarter began. Quarters that had not begun on the as-of
-- date are left out. ml_intervention_effects reads it.
with

calendar_days as (
    select * from {{ ref('stg_sis__calendar_days') }}
),

enrollments as (
    select * from {{ ref('fct_enrollments') }}
),

features as (
    select * from {{ ref('ml_features') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

course_grades as (
    select * from {{ ref('fct_course_grades') }}
),

discipline as (
    select * from {{ ref('fct_discipline') }}
),

program_services as (
    select * from {{ ref('fct_program_services') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('ews_student_year') }}
),

-- The first and last instructional day of each grading quarter at each school.
school_quarters as (
    select
        school_id,
        school_year,
        grading_quarter as start_quarter,
        min(calendar_date) as quarter_start_date,
        max(calendar_date) as quarter_end_date
    from calendar_days
    where is_instructional_day and grading_quarter between 1 and 4
    group by school_id, school_year, grading_quarter
),

-- Students enrolled on the first day of the quarter at their school (the latest spell
-- when two overlap), for quarters begun by the as-of date.
enrolled_at_quarter_start as (
    select
        enrollments.student_id,
        enrollments.school_year,
        school_quarters.start_quarter,
        enrollments.school_id,
        school_quarters.quarter_start_date,
        school_quarters.quarter_end_date,
        row_number() over (
            partition by
                enrollments.student_id, enrollments.school_year, school_quarters.start_quarter
            order by enrollments.entry_date desc, enrollments.school_id desc
        ) as spell_rank
    from enrollments
    inner join school_quarters
        on
            enrollments.school_id = school_quarters.school_id
            and enrollments.school_year = school_quarters.school_year
            and enrollments.entry_date <= school_quarters.quarter_start_date
            and (
                enrollments.exit_date is null
                or enrollments.exit_date >= school_quarters.quarter_start_date
            )
    cross join as_of
    where school_quarters.quarter_start_date <= as_of.as_of_date
),

decisions as (
    select
        student_id,
        school_year,
        start_quarter,
        school_id,
        quarter_start_date,
        quarter_end_date,
        case when start_quarter = 1 then school_year - 1 else school_year end
            as previous_school_year,
        case when start_quarter = 1 then 4 else start_quarter - 1 end
            as previous_decision_point_order
    from enrolled_at_quarter_start
    where spell_rank = 1
),

-- Core failures of each regular term (quarters in K-5, semesters in 6-12), dated by the
-- term's end at the school.
term_failures as (
    select
        student_id,
        school_year,
        term,
        max(term_end_date) as term_end_date,
        count(case when is_core_course then 1 end) as core_marks,
        count(case when is_core_failure then 1 end) as core_failures
    from course_grades
    where is_regular_term
    group by student_id, school_year, term
),

-- This year's latest term that had ended before the quarter began.
latest_term_this_year as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        term_failures.core_failures,
        row_number() over (
            partition by decisions.student_id, decisions.school_year, decisions.start_quarter
            order by term_failures.term_end_date desc, term_failures.term desc
        ) as term_rank
    from decisions
    inner join term_failures
        on
            decisions.student_id = term_failures.student_id
            and decisions.school_year = term_failures.school_year
            and decisions.quarter_start_date > term_failures.term_end_date
    where term_failures.core_marks > 0
),

incidents_before_quarter as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        count(*) as incidents
    from decisions
    inner join discipline
        on
            decisions.student_id = discipline.student_id
            and decisions.school_year = discipline.school_year
            and decisions.quarter_start_date > discipline.incident_date
    group by decisions.student_id, decisions.school_year, decisions.start_quarter
),

-- Each student's first start of each service in each school year, and the grading
-- quarter it fell in at the school that provided it.
first_start_dates as (
    select
        student_id,
        school_year,
        service,
        min(start_date) as first_start_date
    from program_services
    group by student_id, school_year, service
),

first_starts as (
    select
        first_start_dates.student_id,
        first_start_dates.school_year,
        first_start_dates.service,
        first_start_dates.first_start_date,
        min(school_quarters.start_quarter) as first_start_quarter
    from first_start_dates
    left join program_services
        on
            first_start_dates.student_id = program_services.student_id
            and first_start_dates.service = program_services.service
            and first_start_dates.first_start_date = program_services.start_date
    left join school_quarters
        on
            program_services.school_id = school_quarters.school_id
            and first_start_dates.school_year = school_quarters.school_year
            and first_start_dates.first_start_date
            between school_quarters.quarter_start_date and school_quarters.quarter_end_date
    group by
        first_start_dates.student_id,
        first_start_dates.school_year,
        first_start_dates.service,
        first_start_dates.first_start_date
),

services_before_quarter as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        count(
            case when program_services.school_year = decisions.school_year then 1 end
        ) as service_spells_this_year,
        count(
            case when program_services.school_year < decisions.school_year then 1 end
        ) as service_spells_before_this_year
    from decisions
    inner join program_services
        on
            decisions.student_id = program_services.student_id
            and decisions.quarter_start_date > program_services.start_date
    group by decisions.student_id, decisions.school_year, decisions.start_quarter
),

-- The service's population: grades in which the district has ever started it.
service_grades as (
    select distinct
        service,
        grade_level,
        coalesce(service_kind = 'gifted', false) as is_gifted_only
    from program_services
    where grade_level is not null
),

confounders as (
    select
        decisions.student_id,
        decisions.school_year,
        decisions.start_quarter,
        decisions.school_id,
        decisions.quarter_start_date,
        decisions.quarter_end_date,
        this_year.grade_level,
        this_year.grade_band,
        -- attendance: this year's rate once enrolled the minimum days, else last year's
        case
            when
                decisions.start_quarter > 1
                and previous_point.days_enrolled_to_date
                >= {{ var('chronic_absence_min_enrolled_days') }}
                then previous_point.absence_rate_to_date
            else prior_year.absence_rate
        end as absence_rate_as_seen,
        case
            when decisions.start_quarter > 1 then previous_point.absence_rate_to_date
        end as absence_rate_this_year,
        prior_year.absence_rate as prior_year_absence_rate,
        -- marks
        cast(
            coalesce(latest_term_this_year.core_failures, prior_year.latest_term_core_failures)
            as {{ dbt.type_int() }}
        ) as latest_term_core_failures,
        cast(
            case
                when decisions.start_quarter > 1 then previous_point.core_failures_to_date
                else 0
            end as {{ dbt.type_int() }}
        ) as core_failures_this_year,
        cast(prior_year.core_failures as {{ dbt.type_int() }}) as prior_year_core_failures,
        case
            when decisions.start_quarter > 1 then previous_point.gpa_to_date
        end as gpa_this_year,
        prior_year.year_gpa as prior_year_gpa,
        -- credits behind the on-time pace at the start of the year (summer included)
        case
            when this_year.grade_level >= 9 then coalesce(prior_year.credits_behind, 0)
        end as credits_behind_at_year_start,
        -- behaviour
        cast(coalesce(incidents_before_quarter.incidents, 0) as {{ dbt.type_int() }})
            as incidents_this_year,
        cast(prior_year.incidents as {{ dbt.type_int() }}) as prior_year_incidents,
        -- the latest spring state test
        previous_point.latest_reading_level,
        previous_point.latest_math_level,
        coalesce(
            previous_point.latest_reading_level = 1 or previous_point.latest_math_level = 1,
            false
        ) as is_below_basic_on_latest_test,
        -- history, services and this year's characteristics
        cast(this_year.times_retained as {{ dbt.type_int() }}) as times_retained,
        this_year.is_new_to_district,
        cast(coalesce(services_before_quarter.service_spells_this_year, 0) as {{ dbt.type_int() }})
            as service_spells_this_year,
        cast(
            coalesce(services_before_quarter.service_spells_before_this_year, 0)
            as {{ dbt.type_int() }}
        ) as service_spells_before_this_year,
        coalesce(this_year.is_homeless, false) as is_homeless,
        coalesce(this_year.is_gifted, false) as is_gifted,
        coalesce(this_year.is_english_learner, false) as is_english_learner,
        coalesce(this_year.has_iep, false) as has_iep
    from decisions
    inner join features as previous_point
        on
            decisions.student_id = previous_point.student_id
            and decisions.previous_school_year = previous_point.school_year
            and decisions.previous_decision_point_order = previous_point.decision_point_order
    inner join student_years as this_year
        on
            decisions.student_id = this_year.student_id
            and decisions.school_year = this_year.school_year
    left join student_years as prior_year
        on
            decisions.student_id = prior_year.student_id
            and decisions.school_year - 1 = prior_year.school_year
    left join latest_term_this_year
        on
            decisions.student_id = latest_term_this_year.student_id
            and decisions.school_year = latest_term_this_year.school_year
            and decisions.start_quarter = latest_term_this_year.start_quarter
            and latest_term_this_year.term_rank = 1
    left join incidents_before_quarter
        on
            decisions.student_id = incidents_before_quarter.student_id
            and decisions.school_year = incidents_before_quarter.school_year
            and decisions.start_quarter = incidents_before_quarter.start_quarter
    left join services_before_quarter
        on
            decisions.student_id = services_before_quarter.student_id
            and decisions.school_year = services_before_quarter.school_year
            and decisions.start_quarter = services_before_quarter.start_quarter
),

final as (
    select
        confounders.student_id,
        confounders.school_year,
        confounders.start_quarter,
        service_grades.service,
        confounders.school_id,
        confounders.quarter_start_date,
        confounders.grade_level,
        confounders.grade_band,
        coalesce(
            first_starts.first_start_quarter = confounders.start_quarter,
            first_starts.first_start_date between confounders.quarter_start_date
            and confounders.quarter_end_date,
            false
        ) as is_treated,
        confounders.absence_rate_as_seen,
        confounders.absence_rate_this_year,
        confounders.prior_year_absence_rate,
        confounders.latest_term_core_failures,
        confounders.core_failures_this_year,
        confounders.prior_year_core_failures,
        confounders.gpa_this_year,
        confounders.prior_year_gpa,
        confounders.credits_behind_at_year_start,
        confounders.incidents_this_year,
        confounders.prior_year_incidents,
        confounders.latest_reading_level,
        confounders.latest_math_level,
        confounders.is_below_basic_on_latest_test,
        confounders.times_retained,
        confounders.is_new_to_district,
        confounders.service_spells_this_year,
        confounders.service_spells_before_this_year,
        previous_year_starts.first_start_date is not null as had_service_last_year,
        confounders.is_homeless,
        confounders.is_gifted,
        confounders.is_english_learner,
        confounders.has_iep
    from confounders
    inner join service_grades
        on confounders.grade_level = service_grades.grade_level
    left join first_starts
        on
            confounders.student_id = first_starts.student_id
            and confounders.school_year = first_starts.school_year
            and service_grades.service = first_starts.service
    left join first_starts as previous_year_starts
        on
            confounders.student_id = previous_year_starts.student_id
            and confounders.school_year - 1 = previous_year_starts.school_year
            and service_grades.service = previous_year_starts.service
    where
        (
            confounders.is_gifted
            or not service_grades.is_gifted_only
        )
        and (
            first_starts.first_start_date is null
            or coalesce(
                first_starts.first_start_quarter >= confounders.start_quarter,
                first_starts.first_start_date >= confounders.quarter_start_date
            )
        )
)

select * from final
