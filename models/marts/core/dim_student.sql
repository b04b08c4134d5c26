-- Grain: one row per student (student_id, the district's own identifier) with at least
-- one enrollment spell by the as-of date. Demographics, the first and latest school
-- year in the district, and the yearly characteristics of the latest school year that
-- has them. Privacy rule: no names, birth dates or addresses in a mart.
with

students as (
    select * from {{ ref('stg_sis__students') }}
),

student_years as (
    select * from {{ ref('int_student_years') }}
),

characteristics as (
    select * from {{ ref('stg_sis__student_characteristics') }}
),

ranked_years as (
    select
        student_id,
        school_year,
        grade_level,
        school_id,
        is_enrolled_on_as_of_date,
        row_number() over (
            partition by student_id order by school_year
        ) as earliest_rank,
        row_number() over (
            partition by student_id order by school_year desc
        ) as latest_rank,
        count(*) over (partition by student_id) as school_years_enrolled
    from student_years
),

first_years as (
    select
        student_id,
        school_year as first_school_year,
        grade_level as first_grade_level
    from ranked_years
    where earliest_rank = 1
),

latest_years as (
    select
        student_id,
        school_year as latest_school_year,
        grade_level as latest_grade_level,
        school_id as latest_school_id,
        is_enrolled_on_as_of_date,
        school_years_enrolled
    from ranked_years
    where latest_rank = 1
),

-- Characteristics are yearly; take the latest year that has them, up to the student's
-- latest school year in the district (never a year after the as-of date).
ranked_characteristics as (
    select
        characteristics.*,
        row_number() over (
            partition by characteristics.student_id
            order by characteristics.school_year desc
        ) as recency_rank
    from characteristics
    inner join latest_years
        on
            characteristics.student_id = latest_years.student_id
            and characteristics.school_year <= latest_years.latest_school_year
),

latest_characteristics as (
    select * from ranked_characteristics
    where recency_rank = 1
),

final as (
    select
        students.student_id,
        students.sex,
        students.sex_description,
        students.race_ethnicity,
        students.race_ethnicity_description,
        students.race_ethnicity_reporting_group,
        first_years.first_school_year,
        first_years.first_grade_level,
        latest_years.latest_school_year,
        latest_years.latest_grade_level,
        latest_years.latest_school_id,
        latest_years.school_years_enrolled,
        latest_years.is_enrolled_on_as_of_date,
        latest_characteristics.school_year as characteristics_school_year,
        latest_characteristics.is_economically_disadvantaged,
        latest_characteristics.is_english_learner,
        latest_characteristics.has_iep,
        latest_characteristics.has_504_plan,
        latest_characteristics.is_gifted,
        latest_characteristics.is_homeless
    from students
    inner join first_years
        on students.student_id = first_years.student_id
    inner join latest_years
        on students.student_id = latest_years.student_id
    left join latest_characteristics
        on students.student_id = latest_characteristics.student_id
)

select * from final
