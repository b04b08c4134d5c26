-- Grain: one row per student per school year per outcome whose risk tier rose
-- (student_id, school_year, outcome), for the current scores. Compared with:
--   * the previous scoring run (the latest earlier as-of date in ml_risk_score_history)
--     once the history holds two runs or more: the rises of ml_risk_run_changes (students
--     scored in both runs whose tier is higher now, Low < Moderate < High);
--   * otherwise (a single run) the student's previous decision point: the rises of
--     ml_risk_trajectories at the decision point scored now.
-- In both, indicator_that_moved is the indicator whose contribution to the current
-- model's log-odds rose most between the earlier record and the record now (exact
-- additive contributions); null when none rose (the rise came from the change of model).
-- An alert comes from a changed record only: a rise between two runs scored by different
-- versions of the same model (the first run after a promotion, docs/model_lifecycle.md)
-- is left out; ml_model_change_comparison says what the change of model did instead.
with

run_changes as (
    select * from {{ ref('ml_risk_run_changes') }}
),

model_store as (
    select * from {{ ref('ml_model_store') }}
),

score_history as (
    select * from {{ ref('ml_risk_score_history') }}
),

trajectories as (
    select * from {{ ref('ml_risk_trajectories') }}
),

scores as (
    select * from {{ ref('ml_risk_scores') }}
),

student_years as (
    select * from {{ ref('ews_student_year') }}
),

as_of as (
    select max(as_of_date) as as_of_date from student_years
),

run_count as (
    select count(distinct as_of_date) as runs from score_history
),

compared_with_previous_run as (
    select
        student_id,
        school_year,
        outcome,
        as_of_date,
        'previous run' as compared_with,
        previous_as_of_date,
        school_id,
        grade_level,
        grade_band,
        decision_point,
        previous_school_year,
        previous_decision_point,
        previous_risk_tier,
        risk_tier,
        previous_risk_probability,
        risk_probability,
        risk_probability_change,
        record_log_odds_change,
        indicator_that_moved,
        indicator_feature_group,
        indicator_contribution_change,
        indicator_sentence,
        tier_meaning,
        model_id,
        model_version
    from run_changes
    where
        is_tier_rise
        and not exists (
            select 1
            from model_store
            where
                model_store.model_id = run_changes.model_id
                and model_store.model_version = run_changes.previous_model_version
                and run_changes.previous_model_version != run_changes.model_version
        )
),

compared_with_previous_decision_point as (
    select
        trajectories.student_id,
        trajectories.school_year,
        trajectories.outcome,
        as_of.as_of_date,
        'previous decision point' as compared_with,
        cast(null as date) as previous_as_of_date,
        trajectories.school_id,
        trajectories.grade_level,
        trajectories.grade_band,
        trajectories.decision_point,
        trajectories.previous_school_year,
        trajectories.previous_decision_point,
        trajectories.previous_risk_tier,
        trajectories.risk_tier,
        trajectories.previous_risk_probability,
        trajectories.risk_probability,
        trajectories.risk_probability_change,
        trajectories.record_log_odds_change,
        trajectories.indicator_that_moved,
        trajectories.indicator_feature_group,
        trajectories.indicator_contribution_change,
        trajectories.indicator_sentence,
        scores.tier_meaning,
        trajectories.model_id,
        trajectories.model_version
    from trajectories
    inner join scores
        on
            trajectories.student_id = scores.student_id
            and trajectories.school_year = scores.school_year
            and trajectories.outcome = scores.outcome
            and trajectories.decision_point = scores.decision_point
    cross join as_of
    where trajectories.is_tier_rise
),

final as (
    select compared_with_previous_run.*
    from compared_with_previous_run
    cross join run_count
    where run_count.runs >= 2
    union all
    select compared_with_previous_decision_point.*
    from compared_with_previous_decision_point
    cross join run_count
    where run_count.runs < 2
)

select * from final
