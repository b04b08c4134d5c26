"""The model registry: one row per risk model, the promoted one
(k12ews.ml.lifecycle.store.promoted_registry).

Thin by design: the models are trained, and promoted by evidence, in ml_model_store
(docs/model_lifecycle.md); this table is what the rest of the project scores, explains
and evaluates with: for each model id its latest promoted model, or, where none was ever
promoted, its latest row (a model not trained, with the reason).
"""

from k12ews.ml.lifecycle import store


def model(dbt, session):
    dbt.config(materialized="table")
    return store.promoted_registry(dbt.ref("ml_model_store").df())
