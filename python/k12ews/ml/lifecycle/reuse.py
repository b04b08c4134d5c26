"""A build does not redo what training fixed: the out-of-time figures of a model version.

``ml_model_evaluation`` and ``ml_out_of_time_scores`` are each promoted model's figures
on its own out-of-time test cohort, fixed when the version was trained and promoted on
them. When the registry holds exactly the model versions the table was built for, the
table the previous build left is kept as it is (``keep_previous``); when a version
changed (a promotion), it is computed again. So a correction of a past year's records
reaches these figures with the next promoted version; the deployed evaluation, computed
on every build, reads the records as they are.
"""

from __future__ import annotations

import pandas as pd

from k12ews.ml import typed
from k12ews.ml.risk import scoring
from k12ews.ml.typed import Schema


def keep_previous(previous: pd.DataFrame | None, reg: pd.DataFrame) -> bool:
    """The previous build's table still holds for this registry (see the module)."""
    if previous is None or "model_version" not in previous:
        return False
    wanted = set(scoring.trained(reg)["model_version"].dropna())
    have = set(previous["model_version"].dropna())
    return bool(wanted) and wanted == have


def previous_table(session: object, this: object, schema: Schema) -> pd.DataFrame | None:
    """The table the previous build left (``this``: the dbt model's own relation), in its
    schema, or None when there is none (a first build) or it does not fit the schema."""
    try:
        frame = session.sql(f"select * from {this}").df()  # type: ignore[attr-defined]
        return typed.coerce(frame, schema)
    except Exception:  # no such table yet, or another schema: compute it again
        return None
