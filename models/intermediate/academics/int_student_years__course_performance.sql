-- Grain: one row per student per school year of the student-year spine (int_student_years),
-- as of the as-of date. Course performance of the year so far: core failures (doc block
-- core_failure_rule), failing final marks in math and English (final_subject_mark_rule),
-- GPA and its change (gpa_rule), high-school credits against the on-time pace
-- (graduation_on_track) and the Chicago 9th-grade on-track flag (chicago_on_track).
-- Regular terms (quarters, semesters) count for failures and GPA; the summer term SU
-- counts only for credits. Columns that do not apply are null (credits in K-8, the
-- Chicago flag outside a first 9th-grade year, GPA without letter marks). Where course
-- marks are absent for the student-year (int_student_years__data_coverage) every measure
-- is null, never 0 credits or no failures; cumulative credits are unknown from the first
-- high-school year without marks on. The year's term totals and its final subject marks
-- come from int_student_years__term_totals and int_student_years__final_subject_marks.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

student_years as (
    select * from {{ ref('int_student_years') }}
),

term_totals as (
    select * from {{ ref('int_student_years__term_totals') }}
),

final_subject_marks as (
    select * from {{ ref('int_student_years__final_subject_marks') }}
),

calendar_bounds as (
    select * from {{ ref('int_school_years__calendar_bounds') }}
),

coverage as (
    select * from {{ ref('int_student_years__data_coverage') }}
),

as_of as (
    select * from {{ ref('int_warehouse__as_of_date') }}
),

years_joined as (
    select
        student_years.student_id,
        student_years.school_year,
        student_years.grade_level,
        student_years.school_id,
        coverage.course_performance_data_status,
        -- without a calendar, a year is complete once its school year has ended
        coalesce(
            calendar_bounds.is_year_complete,
            student_years.school_year < {{ school_year_of('as_of.as_of_date') }}
        ) as is_year_complete,
        {%- for column, expression in [
            ('terms_graded', 'coalesce(term_totals.terms_graded, 0)'),
            ('semesters_graded', 'coalesce(term_totals.semesters_graded, 0)'),
            ('has_summer_term', 'coalesce(term_totals.has_summer_term, false)'),
            ('core_courses_graded', 'coalesce(term_totals.core_courses_graded, 0)'),
        ] %}
            {{ if_known('coverage.course_performance_data_status', expression) }}
                as {{ column }},
        {%- endfor %}
        case
            when term_totals.core_courses_graded > 0
                then term_totals.core_failures
        end as core_failures,
        term_totals.core_semester_failures,
        term_totals.latest_term,
        term_totals.latest_term_end_date,
        term_totals.latest_term_core_failures,
        final_subject_marks.has_failing_math_mark,
        final_subject_marks.has_failing_ela_mark,
        {{ if_known(
            'coverage.course_performance_data_status',
            'coalesce(term_totals.courses_in_gpa, 0)'
        ) }} as courses_in_gpa,
        case
            when term_totals.courses_in_gpa > 0
                then
                    cast(term_totals.total_grade_points as {{ type_double() }})
                    / term_totals.courses_in_gpa
        end as year_gpa,
        term_totals.credits_attempted,
        term_totals.credits_earned,
        case
            when student_years.grade_level >= 9
                then {{ if_known(
                    'coverage.course_performance_data_status',
                    'coalesce(term_totals.credits_earned, 0)'
                ) }}
        end as high_school_credits_earned,
        case
            when student_years.grade_level >= 9
                then {{ if_known(
                    'coverage.course_performance_data_status',
                    'coalesce(term_totals.summer_credits_earned, 0)'
                ) }}
        end as summer_credits_earned
    from student_years
    cross join as_of
    left join coverage
        on
            student_years.student_id = coverage.student_id
            and student_years.school_year = coverage.school_year
    left join calendar_bounds
        on
            student_years.school_id = calendar_bounds.school_id
            and student_years.school_year = calendar_bounds.school_year
    left join term_totals
        on
            student_years.student_id = term_totals.student_id
            and student_years.school_year = term_totals.school_year
    left join final_subject_marks
        on
            student_years.student_id = final_subject_marks.student_id
            and student_years.school_year = final_subject_marks.school_year
),

with_prior_year as (
    select
        years_joined.*,
        prior_year.year_gpa as prior_year_gpa
    from years_joined
    left join years_joined as prior_year
        on
            years_joined.student_id = prior_year.student_id
            and years_joined.school_year - 1 = prior_year.school_year
),

high_school_history as (
    select
        with_prior_year.*,
        min(case when with_prior_year.grade_level = 9 then with_prior_year.school_year end) over (
            partition by with_prior_year.student_id
        ) as first_ninth_grade_year,
        case
            -- a high-school year without marks on record so far: the total is unknown
            when
                max(case
                    when
                        with_prior_year.grade_level >= 9
                        and with_prior_year.course_performance_data_status = 'absent'
                        then 1
                    else 0
                end) over (
                    partition by with_prior_year.student_id
                    order by with_prior_year.school_year
                    rows between unbounded preceding and current row
                ) = 0
                then sum(with_prior_year.high_school_credits_earned) over (
                    partition by with_prior_year.student_id
                    order by with_prior_year.school_year
                    rows between unbounded preceding and current row
                )
        end as cumulative_credits_on_record,
        coalesce(count(case when with_prior_year.grade_level >= 9 then 1 end) over (
            partition by with_prior_year.student_id
            order by with_prior_year.school_year
            rows between unbounded preceding and 1 preceding
        ), 0) as prior_high_school_years
    from with_prior_year
),

on_track as (
    select
        high_school_history.*,
        case
            when high_school_history.grade_level >= 9
                then cast(
                    high_school_history.prior_high_school_years
                    + case
                        when high_school_history.is_year_complete then 1.0
                        -- least() skips a null: unknown marks leave the year unknown
                        when high_school_history.semesters_graded is not null
                            then least(high_school_history.semesters_graded, 2) / 2.0
                    end
                    as {{ type_double() }}
                )
        end as high_school_years_completed,
        coalesce(
            high_school_history.grade_level >= 9
            and high_school_history.first_ninth_grade_year <= high_school_history.school_year,
            false
        ) as has_high_school_record_from_grade_9
    from high_school_history
),

expected as (
    select
        on_track.*,
        case
            when on_track.has_high_school_record_from_grade_9
                then least(
                    {{ var('credits_per_year_on_time') }} * on_track.high_school_years_completed,
                    {{ var('graduation_credits_required') }}
                )
        end as credits_expected_on_time
    from on_track
),

final as (
    select
        student_id,
        school_year,
        grade_level,
        school_id,
        course_performance_data_status,
        is_year_complete,
        terms_graded,
        semesters_graded,
        has_summer_term,
        core_courses_graded,
        core_failures,
        core_failures > 0 as has_core_failure,
        core_semester_failures,
        latest_term,
        latest_term_end_date,
        latest_term_core_failures,
        has_failing_math_mark,
        has_failing_ela_mark,
        courses_in_gpa,
        year_gpa,
        prior_year_gpa,
        year_gpa - prior_year_gpa as gpa_change,
        credits_attempted,
        credits_earned,
        high_school_credits_earned,
        summer_credits_earned,
        case
            when grade_level >= 9 then cumulative_credits_on_record
        end as cumulative_high_school_credits,
        high_school_years_completed,
        has_high_school_record_from_grade_9,
        credits_expected_on_time,
        case
            when
                has_high_school_record_from_grade_9
                -- greatest() skips a null: unknown credits must stay unknown
                and cumulative_credits_on_record is not null
                then greatest(credits_expected_on_time - cumulative_credits_on_record, 0)
        end as credits_behind,
        case
            when
                has_high_school_record_from_grade_9
                and cumulative_credits_on_record is not null
                then greatest(
                    {{ var('graduation_credits_required') }} - cumulative_credits_on_record, 0
                )
        end as credits_needed_to_graduate,
        case
            when has_high_school_record_from_grade_9 and high_school_years_completed > 0
                then cumulative_credits_on_record >= credits_expected_on_time
        end as is_on_track_for_graduation,
        case
            when grade_level = 9 then school_year = first_ninth_grade_year
        end as is_first_time_ninth_grade,
        case
            when grade_level = 9 and school_year = first_ninth_grade_year and is_year_complete
                then
                    high_school_credits_earned >= {{ var('on_track_min_credits') }}
                    and coalesce(core_semester_failures, 0)
                    <= {{ var('on_track_max_core_semester_failures') }}
        end as is_chicago_on_track
    from expected
)

select * from final
