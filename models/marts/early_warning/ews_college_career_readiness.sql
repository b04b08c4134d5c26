-- Grain: one row per student per school year in grades 9-12 (student_id, school_year);
-- the current high-school students are the rows with is_current. College and career
-- readiness as of the as-of date: GPA and credits on track for graduation (ews_high),
-- advanced coursework, the college-readiness exam's benchmarks, CTE and FAFSA to date
-- (int_student_years__college_career), and a readiness summary in words.
-- The rule (a state CCR-index-like definition after Texas's College, Career and Military
-- Readiness indicator; docs/success_metrics.md): ready = on track for graduation and at
-- least var ccr_min_readiness_measures of three measures met: both exam benchmarks
-- (SAT 480 and 530), college credit in an advanced course (AP 3+, IB 4+, dual enrollment
-- C or better), CTE concentrator (Perkins V). A measure whose table is on record for no
-- year up to the student-year is unknown: the student is then ready only on the
-- measures known met, and never "not ready" on an unknown. The exam in a grade before
-- the district gives it (grades 9-10) is not yet met, not unknown.
with

high as (
    select * from {{ ref('ews_high') }}
),

college_career as (
    select * from {{ ref('int_student_years__college_career') }}
),

current_year as (
    select max(school_year) as school_year
    from high
    where is_enrolled_on_as_of_date
),

joined as (
    select
        high.student_id,
        high.school_year,
        high.as_of_date,
        high.school_id,
        high.grade_level,
        coalesce(
            high.is_enrolled_on_as_of_date and high.school_year = current_year.school_year,
            false
        ) as is_current,
        high.year_gpa,
        high.cumulative_high_school_credits,
        high.credits_expected_on_time,
        high.credits_behind,
        not high.flag_off_track as is_on_track_for_graduation,
        college_career.advanced_courses_to_date,
        college_career.college_credit_courses_to_date,
        college_career.has_earned_college_credit,
        college_career.best_exam_total_score,
        college_career.meets_reading_writing_benchmark,
        college_career.meets_math_benchmark,
        college_career.meets_both_exam_benchmarks,
        coalesce(college_career.is_readiness_exam_on_record, false)
            as is_readiness_exam_on_record,
        college_career.cte_credits_to_date,
        college_career.is_cte_concentrator,
        college_career.has_submitted_fafsa,
        college_career.has_completed_fafsa
    from high
    cross join current_year
    left join college_career
        on
            high.student_id = college_career.student_id
            and high.school_year = college_career.school_year
),

counted as (
    select
        joined.*,
        case when joined.meets_both_exam_benchmarks then 1 else 0 end
        + case when joined.has_earned_college_credit then 1 else 0 end
        + case when joined.is_cte_concentrator then 1 else 0 end as readiness_measures_met,
        -- the exam before the grade the district gives it is not yet met, not unknown
        case when not joined.is_readiness_exam_on_record then 1 else 0 end
        + case when joined.has_earned_college_credit is null then 1 else 0 end
        + case when joined.is_cte_concentrator is null then 1 else 0 end
            as readiness_measures_unknown
    from joined
),

statused as (
    select
        counted.*,
        case
            when not counted.is_on_track_for_graduation then 'off_track'
            when
                counted.is_on_track_for_graduation
                and counted.readiness_measures_met >= {{ var('ccr_min_readiness_measures') }}
                then 'ready'
            when
                counted.is_on_track_for_graduation
                and counted.readiness_measures_met + counted.readiness_measures_unknown
                < {{ var('ccr_min_readiness_measures') }}
                then 'not_yet_ready'
            else 'unknown'
        end as readiness_status
    from counted
),

final as (
    select
        statused.*,
        case statused.readiness_status
            when 'off_track'
                then
                    'off track for graduation'
                    || case
                        when statused.credits_behind > 0
                            then
                                ': '
                                || {{ double_as_text('statused.credits_behind') }}
                                || ' credits behind'
                        else ''
                    end
            when 'ready'
                then
                    'ready: on track for graduation; '
                    || concat_ws(
                        '; ',
                        case
                            when statused.meets_both_exam_benchmarks
                                then 'met both exam benchmarks'
                        end,
                        case
                            when statused.has_earned_college_credit
                                then
                                    'college credit in '
                                    || cast(
                                        statused.college_credit_courses_to_date
                                        as {{ dbt.type_string() }}
                                    )
                                    || ' advanced course(s)'
                        end,
                        case when statused.is_cte_concentrator then 'CTE concentrator' end
                    )
            when 'not_yet_ready'
                then 'on track for graduation; no readiness measure met yet'
            else
                'unknown: '
                || concat_ws(
                    '; ',
                    case
                        when statused.is_on_track_for_graduation is null
                            then 'credits on track not known'
                    end,
                    case
                        when not statused.is_readiness_exam_on_record
                            then 'no college-readiness exam on record'
                    end,
                    case
                        when statused.has_earned_college_credit is null
                            then 'no advanced coursework on record'
                    end,
                    case
                        when statused.is_cte_concentrator is null
                            then 'no CTE participation on record'
                    end
                )
        end as readiness_summary
    from statused
)

select * from final
