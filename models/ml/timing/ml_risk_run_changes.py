"""What changed between the two latest scoring runs in the history, and for a tier rise
the indicator that moved (k12ews.ml.timing.run_changes.changes_since_previous_run)."""

import pandas as pd

from k12ews.ml.timing import run_changes


def model(dbt, session):
    dbt.config(materialized="table")
    reg = dbt.ref("ml_model_registry")
    scores = dbt.ref("ml_risk_score_history")
    explanations = dbt.ref("ml_risk_explanation_history")
    # Only the two latest runs are compared; the history may hold many.
    runs = scores.project("as_of_date").distinct().order("as_of_date desc").limit(2).df()
    if len(runs) < 2:  # nothing to compare yet: an empty, typed table
        return run_changes.changes_since_previous_run(
            reg.limit(0).df(), scores.limit(0).df(), explanations.limit(0).df()
        )
    since = pd.Timestamp(runs["as_of_date"].min()).date().isoformat()
    return run_changes.changes_since_previous_run(
        reg.df(),
        scores.filter(f"as_of_date >= date '{since}'").df(),
        explanations.filter(f"as_of_date >= date '{since}'").df(),
    )
