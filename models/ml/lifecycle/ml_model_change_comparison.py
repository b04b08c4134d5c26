"""After a promotion, the old and the new model on the same records
(k12ews.ml.lifecycle.model_change): what ews_alerts says instead of alerting."""

import pandas as pd

from k12ews.ml.lifecycle import model_change


def model(dbt, session):
    dbt.config(materialized="table")
    history = dbt.ref("ml_risk_score_history")
    store = dbt.ref("ml_model_store")
    scores = dbt.ref("ml_risk_scores").df()
    feats = dbt.ref("ml_features")
    decision_points = dbt.ref("ml_decision_points").df()
    # only the two latest runs matter, and only their model ids and versions
    runs = history.project("as_of_date").distinct().order("as_of_date desc").limit(2).df()
    keys = history.project("as_of_date, model_id, model_version").distinct()
    if len(runs) == 2:
        since = pd.Timestamp(runs["as_of_date"].min()).date().isoformat()
        keys = keys.filter(f"as_of_date >= date '{since}'")
    replaced = model_change.replaced_models(keys.df())
    if replaced.empty:
        return model_change.compare(
            replaced, store.limit(0).df(), scores, feats.limit(0).df(), decision_points
        )
    wanted = ", ".join(f"'{v}'" for v in replaced["previous_model_version"])
    old = store.filter(f"model_version in ({wanted})").df()
    year = int(scores["school_year"].max())
    return model_change.compare(
        replaced, old, scores, feats.filter(f"school_year = {year}").df(), decision_points
    )
