"""Whom to target at the same capacity: individual students by benefit or by risk, or
whole schools or school-grades by their mean risk, on the graduation models' out-of-time
cohort (k12ews.ml.plan.targeting; Perdomo et al. 2023, arXiv 2304.06205)."""

from k12ews.ml.plan import plan, targeting, usual_care


def model(dbt, session):
    dbt.config(materialized="table")
    settings = plan.PlanSettings.from_json(dbt.config.get("plan_settings"))
    oot = (
        dbt.ref("ml_out_of_time_scores")
        .filter(
            f"outcome = '{targeting.OUTCOME}' and decision_point = '{targeting.DECISION_POINT}'"
            " and is_scoring_model"
        )
        .df()
    )
    # whole: the chance of starting a service anyway is learned from past decision points
    feats = dbt.ref("ml_features").df()
    return targeting.targeting_comparison(
        oot=oot,
        feats=feats,
        student_years=dbt.ref("ews_student_year").df(),
        decision_points=dbt.ref("ml_decision_points").df(),
        services=dbt.ref("fct_program_services").df(),
        xwalk=dbt.ref("xwalk_services").df(),
        effects=dbt.ref("ml_intervention_effects").df(),
        settings=settings,
        risk_sets=dbt.ref("ml_service_risk_sets")
        .project(", ".join(usual_care.RISK_SET_COLUMNS))
        .df(),
    )
