"""Every feature's exact contribution to each current score, with a sentence in K-12 words
(k12ews.ml.risk.explanations.explain_current)."""

from k12ews.ml.risk import explanations
from k12ews.ml.risk.settings import Settings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = Settings.from_json(dbt.config.get("ml_settings"))
    reg = dbt.ref("ml_model_registry").df()
    feats = dbt.ref("ml_features").df()
    decision_points = dbt.ref("ml_decision_points").df()
    return explanations.explain_current(reg, feats, decision_points, settings.top_factors)
