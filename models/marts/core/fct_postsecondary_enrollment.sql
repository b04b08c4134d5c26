-- Grain: one row per graduate of the district (student_id): a student with a regular
-- diploma (fct_student_outcomes.diploma_school_year). Whether the graduate enrolled in
-- college the fall after graduating, at a 2- or 4-year college, and persisted to a
-- second fall, from the clearinghouse-style term records (stg_sis__postsecondary_enrollments).
-- Rules (docs/success_metrics.md): "the fall after graduating" is a term beginning after
-- the diploma's school year ends (30 June) and by var postsecondary_fall_cutoff_month_day
-- (31 October) of the graduation year (NCES immediate college enrollment: enrolled in
-- 2- or 4-year institutions in the October after completing high school); persisting is
-- a term beginning in the same window a year later, among those who enrolled. Each is
-- known once its cutoff is on or before the as-of date and the district has records
-- for the graduation class; else null, never "did not enroll".
with

outcomes as (
    select * from {{ ref('fct_student_outcomes') }}
),

terms as (
    select * from {{ ref('stg_sis__postsecondary_enrollments') }}
),

college_levels as (
    select * from {{ ref('xwalk_college_levels') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

graduates as (
    select
        student_id,
        school_id,
        diploma_school_year as graduation_school_year
    from outcomes
    where
        diploma_school_year is not null
        and school_year = diploma_school_year
),

-- one row per graduate even if two spells of the diploma year name two schools
graduates_ranked as (
    select
        graduates.*,
        row_number() over (
            partition by graduates.student_id
            order by graduates.graduation_school_year, graduates.school_id
        ) as graduate_rank
    from graduates
),

windows as (
    select
        graduates_ranked.student_id,
        graduates_ranked.school_id,
        graduates_ranked.graduation_school_year,
        {{ school_year_last_day('graduates_ranked.graduation_school_year') }}
            as diploma_year_end_date,
        {{ date_in_year(
            'graduates_ranked.graduation_school_year',
            var('postsecondary_fall_cutoff_month_day')
        ) }} as fall_cutoff_date,
        {{ school_year_last_day('graduates_ranked.graduation_school_year + 1') }}
            as second_year_start_date,
        {{ date_in_year(
            'graduates_ranked.graduation_school_year + 1',
            var('postsecondary_fall_cutoff_month_day')
        ) }} as second_fall_cutoff_date
    from graduates_ranked
    where graduates_ranked.graduate_rank = 1
),

-- the classes the clearinghouse records cover (any term of a graduate of the class)
covered_classes as (
    select distinct terms.school_year as graduation_school_year
    from terms
    cross join as_of
    where terms.enrollment_begin <= as_of.as_of_date
),

known_terms as (
    select
        terms.*,
        college_levels.college_level_years
    from terms
    cross join as_of
    left join college_levels
        on terms.college_level = college_levels.college_level
    where terms.enrollment_begin <= as_of.as_of_date
),

first_fall as (
    select
        windows.student_id,
        known_terms.college_id,
        known_terms.college_name,
        known_terms.college_level,
        known_terms.college_level_years,
        known_terms.enrollment_status,
        row_number() over (
            partition by windows.student_id
            order by
                known_terms.enrollment_begin asc,
                known_terms.college_level_years desc,
                known_terms.college_id asc
        ) as term_rank
    from windows
    inner join known_terms
        on
            windows.student_id = known_terms.student_id
            and windows.diploma_year_end_date < known_terms.enrollment_begin
            and windows.fall_cutoff_date >= known_terms.enrollment_begin
),

second_fall as (
    select distinct windows.student_id
    from windows
    inner join known_terms
        on
            windows.student_id = known_terms.student_id
            and windows.second_year_start_date < known_terms.enrollment_begin
            and windows.second_fall_cutoff_date >= known_terms.enrollment_begin
),

joined as (
    select
        windows.student_id,
        windows.school_id,
        windows.graduation_school_year,
        windows.fall_cutoff_date,
        windows.second_fall_cutoff_date,
        covered_classes.graduation_school_year is not null
        and windows.fall_cutoff_date <= as_of.as_of_date as is_fall_enrollment_known,
        covered_classes.graduation_school_year is not null
        and windows.second_fall_cutoff_date <= as_of.as_of_date as is_persistence_known,
        first_fall.student_id is not null as has_fall_term,
        second_fall.student_id is not null as has_second_fall_term,
        first_fall.college_id,
        first_fall.college_name,
        first_fall.college_level,
        first_fall.college_level_years,
        first_fall.enrollment_status
    from windows
    cross join as_of
    left join covered_classes
        on windows.graduation_school_year = covered_classes.graduation_school_year
    left join first_fall
        on
            windows.student_id = first_fall.student_id
            and first_fall.term_rank = 1
    left join second_fall
        on windows.student_id = second_fall.student_id
),

final as (
    select
        student_id,
        school_id,
        graduation_school_year,
        fall_cutoff_date,
        is_fall_enrollment_known,
        case when is_fall_enrollment_known then has_fall_term end
            as enrolled_fall_after_graduation,
        case when is_fall_enrollment_known then college_id end as first_college_id,
        case when is_fall_enrollment_known then college_name end as first_college_name,
        case when is_fall_enrollment_known then college_level end as first_college_level,
        case
            when is_fall_enrollment_known and has_fall_term
                then college_level_years = {{ var('four_year_college_level_years') }}
        end as enrolled_four_year,
        case
            when is_fall_enrollment_known and has_fall_term
                then college_level_years < {{ var('four_year_college_level_years') }}
        end as enrolled_two_year_or_less,
        case when is_fall_enrollment_known then enrollment_status end
            as first_enrollment_status,
        is_persistence_known,
        case
            when is_persistence_known and has_fall_term then has_second_fall_term
        end as persisted_to_second_year
    from joined
)

select * from final
