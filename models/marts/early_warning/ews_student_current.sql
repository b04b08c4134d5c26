-- Grain: one row per student enrolled on the as-of date (student_id). The latest
-- snapshot a counsellor sees: the student's band flags in one shape for every band,
-- the number of flags and the reasons in words built from the student's own values.
-- unknown_indicators names what the district's data cannot say for the student this
-- year (doc block data_coverage): those flags are null, never "not flagged". The
-- success-metric flags (#14: social-emotional screener, climate survey, math interim
-- growth) sit beside them with their own count and reasons, null where their table does
-- not cover the student-year.
with

elementary as (
    select * from {{ ref('ews_elementary') }}
),

middle as (
    select * from {{ ref('ews_middle') }}
),

high as (
    select * from {{ ref('ews_high') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

current_year as (
    select max(school_year) as school_year
    from student_years
    where is_enrolled_on_as_of_date
),

bands as (
    select
        student_id,
        school_year,
        'elementary' as grade_band,
        flag_attendance,
        flag_marks as flag_course,
        flag_reading,
        cast(null as boolean) as flag_low_gpa,
        cast(null as boolean) as flag_off_track,
        flag_behaviour,
        flag_mobility,
        cast(null as boolean) as flag_over_age,
        flag_count,
        sel_composite_t_score,
        climate_belonging,
        climate_peer_relationships,
        climate_adult_support,
        math_interim_percentile,
        math_interim_growth_percentile,
        flag_sel,
        flag_climate,
        flag_math_growth,
        success_flag_count
    from elementary
    union all
    select
        student_id,
        school_year,
        'middle' as grade_band,
        flag_attendance,
        flag_course,
        cast(null as boolean) as flag_reading,
        cast(null as boolean) as flag_low_gpa,
        cast(null as boolean) as flag_off_track,
        flag_behaviour,
        flag_mobility,
        flag_over_age,
        flag_count,
        sel_composite_t_score,
        climate_belonging,
        climate_peer_relationships,
        climate_adult_support,
        math_interim_percentile,
        math_interim_growth_percentile,
        flag_sel,
        flag_climate,
        flag_math_growth,
        success_flag_count
    from middle
    union all
    select
        student_id,
        school_year,
        'high' as grade_band,
        flag_attendance,
        flag_course,
        cast(null as boolean) as flag_reading,
        flag_low_gpa,
        flag_off_track,
        flag_behaviour,
        flag_mobility,
        flag_over_age,
        flag_count,
        sel_composite_t_score,
        climate_belonging,
        climate_peer_relationships,
        climate_adult_support,
        cast(null as {{ dbt.type_int() }}) as math_interim_percentile,
        cast(null as {{ dbt.type_int() }}) as math_interim_growth_percentile,
        flag_sel,
        flag_climate,
        cast(null as boolean) as flag_math_growth,
        success_flag_count
    from high
),

current_students as (
    select student_years.*
    from student_years
    inner join current_year
        on student_years.school_year = current_year.school_year
    where student_years.is_enrolled_on_as_of_date
),

joined as (
    select
        current_students.student_id,
        current_students.school_year,
        current_students.as_of_date,
        current_students.school_id,
        current_students.grade_level,
        current_students.grade_band,
        current_students.days_enrolled,
        current_students.days_absent,
        current_students.unexcused_absence_days,
        current_students.attendance_rate,
        current_students.is_chronically_absent,
        current_students.chronic_absence_severity,
        current_students.absence_rate_change_within_year,
        current_students.prior_year_absence_rate,
        current_students.core_failures,
        current_students.year_gpa,
        current_students.credits_behind,
        current_students.is_on_track_for_graduation,
        current_students.reading_performance_level,
        current_students.incidents,
        current_students.out_of_school_suspensions,
        current_students.mid_year_school_changes,
        current_students.is_late_entry,
        current_students.service_spells_this_year,
        bands.flag_attendance,
        bands.flag_course,
        bands.flag_reading,
        bands.flag_low_gpa,
        bands.flag_off_track,
        bands.flag_behaviour,
        bands.flag_mobility,
        bands.flag_over_age,
        bands.flag_count,
        bands.flag_count > 0 as is_flagged,
        -- success metrics (#14): beside the flags, not counted in flag_count
        bands.sel_composite_t_score,
        bands.climate_belonging,
        bands.climate_peer_relationships,
        bands.climate_adult_support,
        bands.math_interim_percentile,
        bands.math_interim_growth_percentile,
        bands.flag_sel,
        bands.flag_climate,
        bands.flag_math_growth,
        bands.success_flag_count,
        current_students.unknown_indicators
    from current_students
    inner join bands
        on
            current_students.student_id = bands.student_id
            and current_students.school_year = bands.school_year
),

final as (
    select
        joined.*,
        concat_ws(
            '; ',
            case
                when joined.flag_attendance
                    then
                        'missed '
                        || cast(
                            cast({{ round_half_away('joined.days_absent', 0) }} as integer)
                            as {{ dbt.type_string() }}
                        )
                        || ' of ' || cast(joined.days_enrolled as {{ dbt.type_string() }})
                        || ' school days'
            end,
            case
                when joined.flag_course and joined.grade_band = 'elementary'
                    then
                        cast(joined.core_failures as {{ dbt.type_string() }})
                        || ' core mark(s) below standard'
                when joined.flag_course
                    then
                        cast(joined.core_failures as {{ dbt.type_string() }})
                        || ' failing core mark(s)'
            end,
            case when joined.flag_reading then 'below basic in reading on the state test' end,
            case
                when joined.flag_low_gpa
                    then 'GPA ' || {{ double_as_text(round_half_away('joined.year_gpa', 2)) }}
            end,
            case
                when joined.flag_off_track and joined.credits_behind > 0
                    then {{ double_as_text('joined.credits_behind') }} || ' credits behind'
                when joined.flag_off_track then 'off track in grade 9'
            end,
            case
                when joined.flag_behaviour and joined.out_of_school_suspensions > 0
                    then
                        cast(joined.out_of_school_suspensions as {{ dbt.type_string() }})
                        || ' out-of-school suspension(s)'
                when joined.flag_behaviour
                    then cast(joined.incidents as {{ dbt.type_string() }}) || ' behaviour incidents'
            end,
            case
                when joined.flag_mobility and joined.mid_year_school_changes > 0
                    then
                        'changed schools '
                        || cast(joined.mid_year_school_changes as {{ dbt.type_string() }})
                        || ' time(s) this year'
                when joined.flag_mobility then 'entered after the year began'
            end,
            case when joined.flag_over_age then 'held back before or over-age for grade' end
        ) as flag_reasons,
        nullif(
            concat_ws(
                '; ',
                case
                    when joined.flag_sel
                        then
                            'social-emotional composite T-score '
                            || cast(joined.sel_composite_t_score as {{ dbt.type_string() }})
                            || ' (need for instruction)'
                end,
                case
                    when joined.flag_climate
                        then
                            'unfavourable climate survey (belonging '
                            || coalesce(
                                {{ double_as_text(
                                    round_half_away('joined.climate_belonging', 1)
                                ) }},
                                'not answered'
                            )
                            || ', peers '
                            || coalesce(
                                {{ double_as_text(
                                    round_half_away('joined.climate_peer_relationships', 1)
                                ) }},
                                'not answered'
                            )
                            || ', adults '
                            || coalesce(
                                {{ double_as_text(
                                    round_half_away('joined.climate_adult_support', 1)
                                ) }},
                                'not answered'
                            )
                            || ' of 5)'
                end,
                case
                    when joined.flag_math_growth
                        then
                            'math interim growth at the '
                            || cast(
                                joined.math_interim_growth_percentile as {{ dbt.type_string() }}
                            )
                            || 'th percentile of the norm'
                end
            ),
            ''
        ) as success_flag_reasons
    from joined
)

select * from final
