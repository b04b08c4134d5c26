-- Grain: one row per student per school year of the spine (student_id, school_year).
-- The social-emotional screener and the climate survey as of the as-of date: the
-- composite T-score of the student's latest screening this year (a DESSA-style need for
-- instruction at or below var sel_need_for_instruction_t_score) and the belonging, peer
-- and adult-support scales of the year's survey (unfavourable below var
-- climate_unfavourable_mean). An indicator is known only where the district screened
-- or surveyed the student's grade that year (any row of the table for that school year
-- and grade by the as-of date): a table left out, a year or a grade it does not cover
-- gives null, never a score or "not flagged". A student of a covered grade without a
-- row of their own (not screened, no answer) has null values and null flags too.
with

student_years as (
    select * from {{ ref('int_student_years') }}
),

screener as (
    select * from {{ ref('stg_sis__sel_screener_results') }}
),

survey as (
    select * from {{ ref('stg_sis__climate_survey_responses') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

screener_known as (
    select screener.*
    from screener
    cross join as_of
    where screener.administration_date <= as_of.as_of_date
),

survey_known as (
    select survey.*
    from survey
    cross join as_of
    where survey.administration_date <= as_of.as_of_date
),

-- the grades each table covers in each school year (rows by the as-of date)
screener_grades as (
    select distinct
        school_year,
        grade_level
    from screener_known
),

survey_grades as (
    select distinct
        school_year,
        grade_level
    from survey_known
),

screener_ranked as (
    select
        student_id,
        school_year,
        screening_window,
        administration_date,
        composite_t_score,
        row_number() over (
            partition by student_id, school_year
            order by administration_date desc, screening_window desc
        ) as recency
    from screener_known
),

latest_screening as (
    select * from screener_ranked
    where recency = 1
),

survey_ranked as (
    select
        student_id,
        school_year,
        belonging,
        peer_relationships,
        adult_support,
        row_number() over (
            partition by student_id, school_year
            order by administration_date desc
        ) as recency
    from survey_known
),

latest_survey as (
    select * from survey_ranked
    where recency = 1
),

joined as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        screener_grades.grade_level is not null as is_sel_screener_covered,
        survey_grades.grade_level is not null as is_climate_survey_covered,
        latest_screening.screening_window as sel_screening_window,
        latest_screening.administration_date as sel_screening_date,
        latest_screening.composite_t_score as sel_composite_t_score,
        latest_survey.belonging as climate_belonging,
        latest_survey.peer_relationships as climate_peer_relationships,
        latest_survey.adult_support as climate_adult_support
    from student_years
    left join screener_grades
        on
            student_years.school_year = screener_grades.school_year
            and student_years.grade_level = screener_grades.grade_level
    left join survey_grades
        on
            student_years.school_year = survey_grades.school_year
            and student_years.grade_level = survey_grades.grade_level
    left join latest_screening
        on
            student_years.student_id = latest_screening.student_id
            and student_years.school_year = latest_screening.school_year
    left join latest_survey
        on
            student_years.student_id = latest_survey.student_id
            and student_years.school_year = latest_survey.school_year
),

final as (
    select
        student_id,
        school_year,
        is_sel_screener_covered,
        is_climate_survey_covered,
        case when is_sel_screener_covered then sel_screening_window end
            as sel_screening_window,
        case when is_sel_screener_covered then sel_screening_date end as sel_screening_date,
        case when is_sel_screener_covered then sel_composite_t_score end
            as sel_composite_t_score,
        case
            when is_sel_screener_covered
                then
                    sel_composite_t_score
                    <= {{ var('sel_need_for_instruction_t_score') }}
        end as is_sel_need_for_instruction,
        case when is_climate_survey_covered then climate_belonging end as climate_belonging,
        case when is_climate_survey_covered then climate_peer_relationships end
            as climate_peer_relationships,
        case when is_climate_survey_covered then climate_adult_support end
            as climate_adult_support,
        -- unfavourable on any of the three scales the student answered; null when none
        case
            when is_climate_survey_covered
                then
                    case
                        when
                            climate_belonging < {{ var('climate_unfavourable_mean') }}
                            or climate_peer_relationships
                            < {{ var('climate_unfavourable_mean') }}
                            or climate_adult_support < {{ var('climate_unfavourable_mean') }}
                            then true
                        when
                            climate_belonging is not null
                            or climate_peer_relationships is not null
                            or climate_adult_support is not null
                            then false
                    end
        end as is_climate_unfavourable
    from joined
)

select * from final
