"""Intervention effects by timing (issue #5): each service's effect on the outcome by the
grade band, grade and quarter it started, adjusted for who the school gives it to, with
95% intervals and the naive comparison beside it
(k12ews.ml.effects.tables.intervention_effects)."""

from k12ews.ml.effects import design, settings, tables


def model(dbt, session):
    dbt.config(materialized="table")
    effect_settings = settings.EffectSettings.from_json(dbt.config.get("effects_settings"))
    risk_sets = dbt.ref("ml_service_risk_sets").project(design.RISK_SET_SELECT)
    labels = dbt.ref("ml_labels").df()
    complete = (
        dbt.ref("ml_decision_points")
        .filter("decision_point = 'eoy' and is_complete")
        .aggregate("max(school_year) as school_year")
        .df()["school_year"]
    )
    last_complete = None if complete.isna().all() else int(complete.iloc[0])
    services = dbt.ref("fct_program_services").project("service, service_description").distinct()
    descriptions = dict(services.df().itertuples(index=False, name=None))
    return tables.intervention_effects(
        risk_sets.df(), labels, last_complete, effect_settings, descriptions
    )
