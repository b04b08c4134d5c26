-- Grain: one row per student per school year per start quarter per service (student_id,
-- school_year, start_quarter, service). The risk sets of the intervention-effect
-- estimates (doc block ml_service_risk_set_rule): at the first instructional day of
-- grading quarter q at the student's school, every student enrolled then who was in the
-- district at the previous decision point (q1: the end of the previous school year; q2-4:
-- the end of this year's previous quarter), had not started the service earlier this
-- year and is in its population (grades where the district has ever started it; gifted
-- services, service_kind gifted in seed xwalk_services, only for students identified
-- gifted that year). is_treated: the student's first spell of the service this year
-- starts in this quarter of the calendar of the school that provided it
-- (int_student_years__service_first_starts). The confounders are what the school knew
-- on the quarter's first day: the previous decision point's figures (the decision-point
-- intermediates int_decision_points__<domain> that ml_features joins), the previous
-- school year's whole record with summer credit recovery (ews_student_year), this
-- year's characteristics, and incidents, term marks and services dated before the
-- quarter began (int_student_quarters__before_start). Quarters that had not begun on
-- the as-of date are left out (int_student_quarters__enrolled_at_start).
-- ml_intervention_effects reads it.
with

decisions as (
    select * from {{ ref('int_student_quarters__enrolled_at_start') }}
),

before_start as (
    select * from {{ ref('int_student_quarters__before_start') }}
),

first_starts as (
    select * from {{ ref('int_student_years__service_first_starts') }}
),

decision_spine as (
    select * from {{ ref('int_decision_points__spells') }}
),

attendance as (
    select * from {{ ref('int_decision_points__attendance') }}
),

marks as (
    select * from {{ ref('int_decision_points__marks') }}
),

tests as (
    select * from {{ ref('int_decision_points__tests') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

program_services as (
    select * from {{ ref('fct_program_services') }}
),

-- The decision-point figures the confounders read, at every decision point; a student
-- with none at the previous point was not in the district then.
previous_point as (
    select
        decision_spine.student_id,
        decision_spine.school_year,
        decision_spine.decision_point_order,
        attendance.days_enrolled_to_date,
        attendance.absence_rate_to_date,
        marks.core_failures_to_date,
        marks.gpa_to_date,
        tests.latest_reading_level,
        tests.latest_math_level
    from decision_spine
    left join attendance
        on
            decision_spine.student_id = attendance.student_id
            and decision_spine.school_year = attendance.school_year
            and decision_spine.decision_point = attendance.decision_point
    left join marks
        on
            decision_spine.student_id = marks.student_id
            and decision_spine.school_year = marks.school_year
            and decision_spine.decision_point = marks.decision_point
    left join tests
        on
            decision_spine.student_id = tests.student_id
            and decision_spine.school_year = tests.school_year
            and decision_spine.decision_point = tests.decision_point
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
            coalesce(before_start.latest_term_core_failures, prior_year.latest_term_core_failures)
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
        cast(coalesce(before_start.incidents, 0) as {{ dbt.type_int() }})
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
        cast(coalesce(before_start.service_spells_this_year, 0) as {{ dbt.type_int() }})
            as service_spells_this_year,
        cast(
            coalesce(before_start.service_spells_before_this_year, 0)
            as {{ dbt.type_int() }}
        ) as service_spells_before_this_year,
        coalesce(this_year.is_homeless, false) as is_homeless,
        coalesce(this_year.is_gifted, false) as is_gifted,
        coalesce(this_year.is_english_learner, false) as is_english_learner,
        coalesce(this_year.has_iep, false) as has_iep
    from decisions
    inner join previous_point
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
    left join before_start
        on
            decisions.student_id = before_start.student_id
            and decisions.school_year = before_start.school_year
            and decisions.start_quarter = before_start.start_quarter
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
