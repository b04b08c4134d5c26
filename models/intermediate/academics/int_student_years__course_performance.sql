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
-- high-school year without marks on.
-- A table: several marts and tests read it, so it is computed once per build.
{{ config(materialized='table') }}

with

student_years as (
    select * from {{ ref('int_student_years') }}
),

student_terms as (
    select * from {{ ref('int_student_terms__course_performance') }}
),

course_grades as (
    select * from {{ ref('int_course_grades__dated') }}
),

courses as (
    select * from {{ ref('stg_sis__courses') }}
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

regular_term_totals as (
    select
        student_id,
        school_year,
        count(*) as terms_graded,
        count(case when term_type = 'semester' then 1 end) as semesters_graded,
        cast(sum(core_courses_graded) as {{ dbt.type_int() }}) as core_courses_graded,
        cast(sum(core_failures) as {{ dbt.type_int() }}) as core_failures,
        cast(sum(case when term_type = 'semester' then core_failures end) as {{ dbt.type_int() }})
            as core_semester_failures,
        cast(sum(courses_in_gpa) as {{ dbt.type_int() }}) as courses_in_gpa,
        sum(total_grade_points) as total_grade_points
    from student_terms
    where is_regular_term
    group by student_id, school_year
),

credit_totals as (
    select
        student_id,
        school_year,
        sum(credits_attempted) as credits_attempted,
        sum(credits_earned) as credits_earned,
        sum(case when not is_regular_term then credits_earned else 0 end)
            as summer_credits_earned,
        max(case when not is_regular_term then 1 else 0 end) = 1 as has_summer_term
    from student_terms
    group by student_id, school_year
),

ranked_terms as (
    select
        student_id,
        school_year,
        term,
        term_end_date,
        core_courses_graded,
        core_failures,
        row_number() over (
            partition by student_id, school_year
            order by term_end_date desc, term desc
        ) as term_recency
    from student_terms
    where is_regular_term
),

latest_terms as (
    select
        student_id,
        school_year,
        term as latest_term,
        term_end_date as latest_term_end_date,
        case when core_courses_graded > 0 then core_failures end as latest_term_core_failures
    from ranked_terms
    where term_recency = 1
),

subject_terms as (
    select
        course_grades.student_id,
        course_grades.school_year,
        courses.subject_area,
        course_grades.term,
        max(course_grades.term_end_date) as term_end_date,
        max(case when course_grades.is_failing then 1 else 0 end) as has_failing_mark
    from course_grades
    inner join courses
        on course_grades.course_code = courses.course_code
    where
        course_grades.term_type in ('quarter', 'semester')
        and courses.subject_area in ('math', 'ela')
    group by
        course_grades.student_id,
        course_grades.school_year,
        courses.subject_area,
        course_grades.term
),

ranked_subject_terms as (
    select
        subject_terms.*,
        row_number() over (
            partition by
                subject_terms.student_id, subject_terms.school_year, subject_terms.subject_area
            order by subject_terms.term_end_date desc, subject_terms.term desc
        ) as term_recency
    from subject_terms
),

final_subject_marks as (
    select
        student_id,
        school_year,
        max(case when subject_area = 'math' then has_failing_mark end) = 1
            as has_failing_math_mark,
        max(case when subject_area = 'ela' then has_failing_mark end) = 1
            as has_failing_ela_mark
    from ranked_subject_terms
    where term_recency = 1
    group by student_id, school_year
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
            ('terms_graded', 'coalesce(regular_term_totals.terms_graded, 0)'),
            ('semesters_graded', 'coalesce(regular_term_totals.semesters_graded, 0)'),
            ('has_summer_term', 'coalesce(credit_totals.has_summer_term, false)'),
            ('core_courses_graded', 'coalesce(regular_term_totals.core_courses_graded, 0)'),
        ] %}
            {{ if_known('coverage.course_performance_data_status', expression) }}
                as {{ column }},
        {%- endfor %}
        case
            when regular_term_totals.core_courses_graded > 0
                then regular_term_totals.core_failures
        end as core_failures,
        regular_term_totals.core_semester_failures,
        latest_terms.latest_term,
        latest_terms.latest_term_end_date,
        latest_terms.latest_term_core_failures,
        final_subject_marks.has_failing_math_mark,
        final_subject_marks.has_failing_ela_mark,
        {{ if_known(
            'coverage.course_performance_data_status',
            'coalesce(regular_term_totals.courses_in_gpa, 0)'
        ) }} as courses_in_gpa,
        case
            when regular_term_totals.courses_in_gpa > 0
                then
                    cast(regular_term_totals.total_grade_points as {{ type_double() }})
                    / regular_term_totals.courses_in_gpa
        end as year_gpa,
        credit_totals.credits_attempted,
        credit_totals.credits_earned,
        case
            when student_years.grade_level >= 9
                then {{ if_known(
                    'coverage.course_performance_data_status',
                    'coalesce(credit_totals.credits_earned, 0)'
                ) }}
        end as high_school_credits_earned,
        case
            when student_years.grade_level >= 9
                then {{ if_known(
                    'coverage.course_performance_data_status',
                    'coalesce(credit_totals.summer_credits_earned, 0)'
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
    left join regular_term_totals
        on
            student_years.student_id = regular_term_totals.student_id
            and student_years.school_year = regular_term_totals.school_year
    left join credit_totals
        on
            student_years.student_id = credit_totals.student_id
            and student_years.school_year = credit_totals.school_year
    left join latest_terms
        on
            student_years.student_id = latest_terms.student_id
            and student_years.school_year = latest_terms.school_year
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
