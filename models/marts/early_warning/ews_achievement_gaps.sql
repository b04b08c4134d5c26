-- Grain: one row per school, school year, tested grade, subject area, student-group type
-- and focal group (school_id, school_year, grade_level, subject_area, group_type,
-- focal_group). Achievement gaps on the state test's scale scores in grades
-- var achievement_gap_first_grade to var achievement_gap_last_grade (3-8), SEDA style:
-- the reference group's mean minus the focal group's, in standard deviations of the
-- scale score among all the district's students of that grade, year and subject (SEDA
-- divides by the state's; positive: the focal group scores lower). Groups: economically
-- disadvantaged (free or reduced-price lunch) against not, English learners against
-- not, students with an IEP against without, and each race/ethnicity group against the
-- district's largest. A student whose group is unknown (student groups absent) is in
-- no group. Suppressed (counts, means and gap null) when either group has fewer than
-- var min_cell_size students. Only tests given on or before the as-of date count.
with

assessments as (
    select * from {{ ref('fct_assessments') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

scores as (
    select
        assessments.student_id,
        assessments.school_id,
        assessments.school_year,
        assessments.tested_grade_level as grade_level,
        assessments.subject_area,
        avg(cast(assessments.scale_score as {{ type_double() }})) as scale_score
    from assessments
    cross join as_of
    where
        assessments.scale_score is not null
        and assessments.administration_date <= as_of.as_of_date
        and assessments.tested_grade_level between {{ var('achievement_gap_first_grade') }}
        and {{ var('achievement_gap_last_grade') }}
    group by
        assessments.student_id,
        assessments.school_id,
        assessments.school_year,
        assessments.tested_grade_level,
        assessments.subject_area
),

district_spread as (
    select
        school_year,
        grade_level,
        subject_area,
        -- rounded: the sample SD's last bits depend on the order DuckDB sums in (1e-13
        -- between two builds of the same rows), and every gap divides by it
        {{ round_half_away('stddev_samp(scale_score)', 6) }} as district_sd
    from scores
    group by school_year, grade_level, subject_area
),

-- the district's largest race/ethnicity group (students of record, all years)
race_counts as (
    select
        race_ethnicity_reporting_group,
        count(distinct student_id) as students
    from student_years
    where race_ethnicity_reporting_group is not null
    group by race_ethnicity_reporting_group
),

largest_race as (
    select race_ethnicity_reporting_group
    from (
        select
            race_ethnicity_reporting_group,
            row_number() over (
                order by students desc, race_ethnicity_reporting_group asc
            ) as group_rank
        from race_counts
    ) as ranked
    where group_rank = 1
),

-- one row per student-year and group type it belongs to (null groups left out)
memberships as (
    select
        student_id,
        school_year,
        'economically_disadvantaged' as group_type,
        case
            when is_economically_disadvantaged then 'economically disadvantaged'
            else 'not economically disadvantaged'
        end as group_value,
        not is_economically_disadvantaged as is_reference
    from student_years
    where is_economically_disadvantaged is not null
    union all
    select
        student_id,
        school_year,
        'english_learner' as group_type,
        case
            when is_english_learner then 'English learners' else 'not English learners'
        end as group_value,
        not is_english_learner as is_reference
    from student_years
    where is_english_learner is not null
    union all
    select
        student_id,
        school_year,
        'disability' as group_type,
        case
            when has_iep then 'students with an IEP' else 'students without an IEP'
        end as group_value,
        not has_iep as is_reference
    from student_years
    where has_iep is not null
    union all
    select
        student_years.student_id,
        student_years.school_year,
        'race_ethnicity' as group_type,
        student_years.race_ethnicity_reporting_group as group_value,
        student_years.race_ethnicity_reporting_group
        = largest_race.race_ethnicity_reporting_group as is_reference
    from student_years
    cross join largest_race
    where student_years.race_ethnicity_reporting_group is not null
),

cells as (
    select
        scores.school_id,
        scores.school_year,
        scores.grade_level,
        scores.subject_area,
        memberships.group_type,
        memberships.group_value,
        memberships.is_reference,
        count(*) as students,
        avg(scores.scale_score) as mean_scale_score
    from scores
    inner join memberships
        on
            scores.student_id = memberships.student_id
            and scores.school_year = memberships.school_year
    group by
        scores.school_id,
        scores.school_year,
        scores.grade_level,
        scores.subject_area,
        memberships.group_type,
        memberships.group_value,
        memberships.is_reference
),

paired as (
    select
        focal.school_id,
        focal.school_year,
        focal.grade_level,
        focal.subject_area,
        focal.group_type,
        focal.group_value as focal_group,
        reference.group_value as reference_group,
        focal.students as focal_students,
        reference.students as reference_students,
        focal.mean_scale_score as focal_mean_scale_score,
        reference.mean_scale_score as reference_mean_scale_score,
        district_spread.district_sd,
        coalesce(
            focal.students < {{ var('min_cell_size') }}
            or reference.students < {{ var('min_cell_size') }},
            true
        ) as is_suppressed
    from cells as focal
    left join cells as reference
        on
            focal.school_id = reference.school_id
            and focal.school_year = reference.school_year
            and focal.grade_level = reference.grade_level
            and focal.subject_area = reference.subject_area
            and focal.group_type = reference.group_type
            and reference.is_reference
    inner join district_spread
        on
            focal.school_year = district_spread.school_year
            and focal.grade_level = district_spread.grade_level
            and focal.subject_area = district_spread.subject_area
    where not focal.is_reference
),

final as (
    select
        school_id,
        school_year,
        grade_level,
        subject_area,
        group_type,
        focal_group,
        reference_group,
        is_suppressed,
        case when not is_suppressed then focal_students end as focal_students,
        case when not is_suppressed then reference_students end as reference_students,
        case when not is_suppressed then focal_mean_scale_score end as focal_mean_scale_score,
        case when not is_suppressed then reference_mean_scale_score end
            as reference_mean_scale_score,
        district_sd as district_scale_score_sd,
        case
            when not is_suppressed and district_sd > 0
                then (reference_mean_scale_score - focal_mean_scale_score) / district_sd
        end as gap_in_sd
    from paired
)

select * from final
