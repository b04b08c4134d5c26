"""Per school, the students to reach first at the current scoring point, within the
school's capacity, ranked by the added benefit of the service that fits each best: its
expected benefit net of the chance the school would start it anyway
(k12ews.ml.plan.plan.build_plan, k12ews.ml.plan.usual_care; docs/intervention_plan.md)."""

from k12ews.ml.plan import plan, usual_care


def model(dbt, session):
    dbt.config(materialized="table")
    settings = plan.PlanSettings.from_json(dbt.config.get("plan_settings"))
    scores = dbt.ref("ml_risk_scores").df()
    points = scores[["school_year", "decision_point"]].drop_duplicates()
    # whole: the chance of starting a service anyway is learned from past decision points
    feats = dbt.ref("ml_features").df()
    years = sorted({int(y) for y in points["school_year"]}) or [0]
    student_years = (
        dbt.ref("ews_student_year").filter(f"school_year in ({', '.join(map(str, years))})").df()
    )
    explanations = (
        dbt.ref("ml_risk_explanations").filter(f"rank_raising <= {settings.top_reasons}").df()
    )
    return plan.build_plan(
        scores=scores,
        explanations=explanations,
        feats=feats,
        student_years=student_years,
        services=dbt.ref("fct_program_services").df(),
        xwalk=dbt.ref("xwalk_services").df(),
        effects=dbt.ref("ml_intervention_effects").df(),
        as_of_date=student_years["as_of_date"].max(),
        settings=settings,
        risk_sets=dbt.ref("ml_service_risk_sets")
        .project(", ".join(usual_care.RISK_SET_COLUMNS))
        .df(),
    )
