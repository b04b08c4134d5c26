"""The persistent store of every model trained (``ml_model_store``), and what the rest of
the project reads from it.

The store keeps each training run's registry rows with their promotion decision; it is
an incremental table that ``--full-refresh`` leaves as it is, like the score history. A
build trains when the mode is ``train``, or when the store holds no promoted trained
model (a fresh warehouse's first build, as before the lifecycle); otherwise it only
loads. ``promoted_registry`` gives ``ml_model_registry``: for each model id, the latest
promoted row, or, where none was ever promoted, the latest row marked not trained, with
its reason (not trained, or not promoted: nothing scores with a model never promoted).
"""

from __future__ import annotations

import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.lifecycle.rules import TRAIN, LifecycleSettings

REGISTRY_COLUMNS = schemas.ML_MODEL_REGISTRY
STORE_COLUMNS = schemas.ML_MODEL_STORE


def has_promoted(stored: pd.DataFrame) -> bool:
    """The store holds a promoted, trained model."""
    if stored.empty:
        return False
    promoted = stored["is_promoted"].fillna(False).astype(bool)
    return bool((promoted & (stored["status"] == "trained")).any())


def should_train(stored: pd.DataFrame, rules: LifecycleSettings) -> bool:
    """Train challengers in this build: in mode ``train``, or with nothing promoted yet."""
    return rules.mode == TRAIN or not has_promoted(stored)


def promoted_registry(stored: pd.DataFrame) -> pd.DataFrame:
    """One registry row per model id: its latest promoted model, else its latest row,
    marked not trained (nothing scores with it) with the reason: not trained, or trained
    and not promoted."""
    if stored.empty:
        return typed.empty(REGISTRY_COLUMNS)
    s = stored.assign(
        _promoted=stored["is_promoted"].fillna(False).astype(bool) & (stored["status"] == "trained")
    )
    s = s.sort_values(["model_id", "_promoted", "trained_at"], kind="stable")
    latest = s.groupby("model_id", sort=True).tail(1).sort_values("model_id")
    unused = ~latest["_promoted"] & (latest["status"] == "trained")
    if unused.any():
        latest = latest.copy()
        latest.loc[unused, "status"] = "not_trained"
        latest.loc[unused, "status_reason"] = latest.loc[unused, "promotion_reason"]
    return typed.coerce(latest.reset_index(drop=True), REGISTRY_COLUMNS)
