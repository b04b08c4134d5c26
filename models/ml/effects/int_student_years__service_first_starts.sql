-- Grain: one row per student per school year per service (student_id, school_year,
-- service) the student started that year. The first start date of the service that
-- year, and the grading quarter it fell in at the school that provided it (null when it
-- fell outside the school's grading quarters). The treatment of the service risk sets
-- (ml_service_risk_sets).
-- A view: read by its one or two neighbours, cheap to compute.
{{ config(materialized='view', schema='int', access='private') }}

with

program_services as (
    select * from {{ ref('fct_program_services') }}
),

school_quarters as (
    select * from {{ ref('int_school_quarters__dates') }}
),

first_start_dates as (
    select
        student_id,
        school_year,
        service,
        min(start_date) as first_start_date
    from program_services
    group by student_id, school_year, service
),

final as (
    select
        first_start_dates.student_id,
        first_start_dates.school_year,
        first_start_dates.service,
        first_start_dates.first_start_date,
        min(school_quarters.grading_quarter) as first_start_quarter
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
)

select * from final
