-- Grain: one row per student per school year of the spine (student_id, school_year).
-- The math interim assessment (MAP Growth-like, grades 1-8) as of the as-of date: the
-- overall score of the student's latest test window this year, its national
-- percentile (low below var math_interim_low_percentile), and the conditional growth
-- percentile since fall against the norm (low growth below var
-- math_low_growth_percentile; null in fall, before there is growth to measure).
-- Known only where the district tested the student's grade that year (any overall row
-- for that school year and grade by the as-of date): a table left out, or a year or
-- grade it does not cover, gives null, never a percentile or "not flagged"; a student
-- of a tested grade without a test of their own has null values and flags too.
with

student_years as (
    select * from {{ ref('int_student_years') }}
),

interims as (
    select * from {{ ref('stg_sis__math_interim_assessments') }}
),

domains as (
    select * from {{ ref('xwalk_math_interim_domains') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

-- the overall score of each window (the domains are its parts; seed
-- xwalk_math_interim_domains says which code is the overall score)
overall as (
    select interims.*
    from interims
    inner join domains
        on interims.math_domain = domains.math_domain
    cross join as_of
    where
        interims.administration_date <= as_of.as_of_date
        and domains.is_overall_score
),

tested_grades as (
    select distinct
        school_year,
        grade_level
    from overall
),

ranked as (
    select
        student_id,
        school_year,
        test_window,
        administration_date,
        scale_score,
        national_percentile,
        growth_from_fall,
        typical_growth,
        growth_percentile,
        row_number() over (
            partition by student_id, school_year
            order by administration_date desc, test_window desc
        ) as recency
    from overall
),

latest as (
    select * from ranked
    where recency = 1
),

joined as (
    select
        student_years.student_id,
        student_years.school_year,
        tested_grades.grade_level is not null as is_math_interim_covered,
        latest.test_window,
        latest.administration_date,
        latest.scale_score,
        latest.national_percentile,
        latest.growth_from_fall,
        latest.typical_growth,
        latest.growth_percentile
    from student_years
    left join tested_grades
        on
            student_years.school_year = tested_grades.school_year
            and student_years.grade_level = tested_grades.grade_level
    left join latest
        on
            student_years.student_id = latest.student_id
            and student_years.school_year = latest.school_year
),

final as (
    select
        student_id,
        school_year,
        is_math_interim_covered,
        case when is_math_interim_covered then test_window end as math_interim_window,
        case when is_math_interim_covered then administration_date end as math_interim_date,
        case when is_math_interim_covered then scale_score end as math_interim_scale_score,
        case when is_math_interim_covered then national_percentile end
            as math_interim_percentile,
        case when is_math_interim_covered then growth_from_fall end
            as math_interim_growth_from_fall,
        case when is_math_interim_covered then typical_growth end
            as math_interim_typical_growth,
        case when is_math_interim_covered then growth_percentile end
            as math_interim_growth_percentile,
        case
            when is_math_interim_covered
                then national_percentile < {{ var('math_interim_low_percentile') }}
        end as is_math_interim_low,
        case
            when is_math_interim_covered
                then growth_percentile < {{ var('math_low_growth_percentile') }}
        end as is_math_growth_low
    from joined
)

select * from final
