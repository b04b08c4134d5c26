"""A model card for each promoted model (Mitchell et al. 2019), from the registry and the
lifecycle's records (k12ews.ml.lifecycle.cards.cards)."""

from k12ews.ml.lifecycle import cards


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry").df()
    store = (
        dbt.ref("ml_model_store")
        .filter("is_promoted")
        .project("model_version, trained_at, promotion_reason")
        .df()
    )
    deployed = dbt.ref("ml_deployed_evaluation").filter("group_type = 'all students'").df()
    evaluation = (
        dbt.ref("ml_model_evaluation")
        .filter(
            "method = 'model' and evaluation_slice = 'all grades' and group_type != 'all students'"
        )
        .df()
    )
    drift = dbt.ref("ml_model_drift").df()
    return cards.cards(reg, store, deployed, evaluation, drift)
