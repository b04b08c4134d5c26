"""How early and how precisely the graduation models and the baseline flags identify
eventual non-graduates, per grade x decision point (k12ews.ml.timing.lead_time.lead_time)."""

from k12ews.ml.timing import lead_time


def model(dbt, session):
    dbt.config(materialized="table")
    settings = lead_time.LeadTimeSettings.from_json(dbt.config.get("lead_time_settings"))
    reg = dbt.ref("ml_model_registry").df()
    oot = dbt.ref("ml_out_of_time_scores").filter(f"outcome = '{lead_time.OUTCOME}'").df()
    traj = dbt.ref("ml_risk_trajectories").filter(f"outcome = '{lead_time.OUTCOME}'").df()
    feats = dbt.ref("ml_features").df()
    return lead_time.lead_time(reg, oot, traj, feats, settings)
