-- Grain: one row per service spell (student, service, start date), as of the as-of date.
-- Program services and MTSS supports a student received: spells that started on or before
-- the as-of date, with the end date known by then (a spell still running on the as-of
-- date has a null end date, as the school would see it). The risk models read the spells
-- dated before each decision point; the intervention-effect estimates read the history.
with

program_services as (
    select * from {{ ref('stg_sis__program_services') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
),

started as (
    select
        program_services.student_id,
        program_services.school_id,
        program_services.school_year,
        program_services.service,
        program_services.service_description,
        program_services.service_domain,
        program_services.service_kind,
        program_services.mtss_tier,
        program_services.start_date,
        case
            when program_services.end_date <= as_of.as_of_date then program_services.end_date
        end as end_date
    from program_services
    cross join as_of
    where program_services.start_date <= as_of.as_of_date
),

final as (
    select
        started.student_id,
        started.school_id,
        started.school_year,
        student_years.grade_level,
        started.service,
        started.service_description,
        started.service_domain,
        started.service_kind,
        started.mtss_tier,
        started.start_date,
        started.end_date,
        started.end_date is null as is_running_on_as_of_date
    from started
    left join student_years
        on
            started.student_id = student_years.student_id
            and started.school_year = student_years.school_year
)

select * from final
