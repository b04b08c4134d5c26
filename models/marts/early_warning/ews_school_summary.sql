-- Grain: one row per school per school year per grade band per student group
-- (school_id, school_year, grade_band, group_type, group_value). Rates of chronic
-- absence, core course failure, mobility, out-of-school suspension and on-track among
-- the students of record at the school; cells with fewer than var min_cell_size
-- students are suppressed (rates blank, is_suppressed), as public reporting requires.
-- Each rate is over the students whose indicator is known (doc block data_coverage),
-- and is suppressed too when fewer than var min_cell_size of them are known; a student
-- group that is not on record is 'unknown', never 'no'.
with

student_years as (
    select * from {{ ref('ews_student_year') }}
),

grouped as (
    select
        *,
        'all' as group_type,
        'all students' as group_value
    from student_years
    union all
    select
        *,
        'economically disadvantaged' as group_type,
        case
            when is_economically_disadvantaged then 'yes'
            when not is_economically_disadvantaged then 'no'
            else 'unknown'
        end as group_value
    from student_years
    union all
    select
        *,
        'english learner' as group_type,
        case
            when is_english_learner then 'yes'
            when not is_english_learner then 'no'
            else 'unknown'
        end as group_value
    from student_years
    union all
    select
        *,
        'students with disabilities' as group_type,
        case
            when has_iep then 'yes'
            when not has_iep then 'no'
            else 'unknown'
        end as group_value
    from student_years
    union all
    select
        *,
        'race/ethnicity' as group_type,
        coalesce(race_ethnicity_reporting_group, 'unknown') as group_value
    from student_years
    union all
    select
        *,
        'sex' as group_type,
        coalesce(sex, 'unknown') as group_value
    from student_years
),

aggregated as (
    select
        school_id,
        school_year,
        grade_band,
        group_type,
        group_value,
        count(*) as students,
        sum(case when is_rated_for_chronic_absence then 1 else 0 end)
            as students_rated_for_attendance,
        avg(
            cast(
                case
                    when is_rated_for_chronic_absence
                        then case when is_chronically_absent then 1.0 else 0.0 end
                end
                as {{ type_double() }}
            )
        ) as chronic_absence_rate,
        avg(
            cast(
                case
                    when core_courses_graded > 0
                        then case when core_failures > 0 then 1.0 else 0.0 end
                end
                as {{ type_double() }}
            )
        ) as core_course_failure_rate,
        avg(
            cast(
                case
                    when mid_year_school_changes > 0 or is_late_entry then 1.0
                    when is_late_entry is not null then 0.0
                end
                as {{ type_double() }}
            )
        ) as mobility_rate,
        avg(
            cast(
                case
                    when out_of_school_suspensions is not null
                        then case when out_of_school_suspensions > 0 then 1.0 else 0.0 end
                end
                as {{ type_double() }}
            )
        ) as suspension_rate,
        avg(
            cast(
                case
                    when is_on_track_for_graduation is not null
                        then case when is_on_track_for_graduation then 1.0 else 0.0 end
                end
                as {{ type_double() }}
            )
        ) as on_track_rate,
        avg(
            cast(
                case
                    when is_chicago_on_track is not null
                        then case when is_chicago_on_track then 1.0 else 0.0 end
                end
                as {{ type_double() }}
            )
        ) as ninth_grade_on_track_rate,
        -- each rate's own denominator: a rate over fewer known students than var
        -- min_cell_size is suppressed, whatever the cell's size
        count(case when core_courses_graded > 0 then 1 end) as core_course_failure_known,
        count(case when mid_year_school_changes > 0 or is_late_entry is not null then 1 end)
            as mobility_known,
        count(out_of_school_suspensions) as suspension_known,
        count(is_on_track_for_graduation) as on_track_known,
        count(is_chicago_on_track) as ninth_grade_on_track_known
    from grouped
    group by school_id, school_year, grade_band, group_type, group_value
),

final as (
    select
        school_id,
        school_year,
        grade_band,
        group_type,
        group_value,
        students,
        {%- for rate, known in [
            ('chronic_absence_rate', 'students_rated_for_attendance'),
            ('core_course_failure_rate', 'core_course_failure_known'),
            ('mobility_rate', 'mobility_known'),
            ('suspension_rate', 'suspension_known'),
            ('on_track_rate', 'on_track_known'),
            ('ninth_grade_on_track_rate', 'ninth_grade_on_track_known'),
        ] %}
            case
                when
                    students >= {{ var('min_cell_size') }}
                    and {{ known }} >= {{ var('min_cell_size') }}
                    then {{ rate }}
            end as {{ rate }},
        {%- endfor %}
        students < {{ var('min_cell_size') }} as is_suppressed
    from aggregated
)

select * from final
