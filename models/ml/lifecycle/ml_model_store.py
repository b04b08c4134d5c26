"""The persistent model store: every training run's models with their promotion decision
(k12ews.ml.lifecycle.store, k12ews.ml.lifecycle.promotion).

Incremental and never rebuilt by --full-refresh (full_refresh=False), like the score
history. In mode score (var ml_mode) with a promoted model stored, it adds nothing: the
build loads the promoted models (ml_model_registry) and only scores. In mode train, or
with nothing promoted yet (a fresh warehouse's first build), it trains challengers on the
newest cohorts with known outcomes (k12ews.ml.risk.training.train_registry) and appends
them, each promoted or not by the rule in docs/model_lifecycle.md.
"""

import pandas as pd

from k12ews.ml import typed
from k12ews.ml.lifecycle import promotion, store
from k12ews.ml.lifecycle.rules import LifecycleSettings
from k12ews.ml.risk import training
from k12ews.ml.risk.directions import Directions
from k12ews.ml.risk.settings import Settings


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="append",
        full_refresh=False,
        on_schema_change="append_new_columns",
    )
    settings = Settings.from_json(dbt.config.get("ml_settings"))
    rules = LifecycleSettings.from_json(dbt.config.get("ml_lifecycle"))
    feats_rel = dbt.ref("ml_features")
    labels_rel = dbt.ref("ml_labels")
    student_years_rel = dbt.ref("ews_student_year")
    directions_rel = dbt.ref("ml_feature_directions")
    stored = typed.empty(store.STORE_COLUMNS)
    if dbt.is_incremental:
        stored = session.sql(f"select * from {dbt.this} where is_promoted").df()
    if not store.should_train(stored, rules):
        return typed.empty(store.STORE_COLUMNS)
    feats, labels = feats_rel.df(), labels_rel.df()
    as_of_date = str(student_years_rel.df()["as_of_date"].max())
    directions = Directions.from_frame(directions_rel.df())
    challengers = training.train_registry(feats, labels, settings, as_of_date, directions)
    trained_at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    promoted = store.promoted_registry(stored)
    return promotion.decide_all(challengers, promoted, (feats, labels), rules, trained_at)
