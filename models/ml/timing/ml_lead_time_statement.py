"""Per grade (var lead_time_statement_grades): the share of eventual non-graduates
identified by the end of the grade at a precision of at least var lead_time_min_precision,
and by which flag (k12ews.ml.timing.lead_time.statements)."""

from k12ews.ml.timing import lead_time


def model(dbt, session):
    dbt.config(materialized="table")
    settings = lead_time.LeadTimeSettings.from_json(dbt.config.get("lead_time_settings"))
    return lead_time.statements(dbt.ref("ml_lead_time").df(), settings)
