"""Per school, the students to reach first at the current scoring point, within the
school's capacity, ranked by the expected benefit of the service that fits each best
(k12ews.ml.plan.build_plan; docs/intervention_plan.md)."""

from k12ews.ml import plan


def model(dbt, session):
    dbt.config(materialized="table")
    settings = plan.PlanSettings.from_json(dbt.config.get("plan_settings"))
    scores = dbt.ref("ml_risk_scores").df()
    points = scores[["school_year", "decision_point"]].drop_duplicates()
    where = " or ".join(
        f"(school_year = {int(r.school_year)} and decision_point = '{r.decision_point}')"
        for r in points.itertuples()
    )
    feats = dbt.ref("ml_features").filter(where or "false").df()
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
    )
