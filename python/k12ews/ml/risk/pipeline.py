"""The risk-model steps the dbt Python models in models/ml call, one function each
(each in its own module; this module gathers them under the names they have always had):

- ``train_registry`` (``k12ews.ml.risk.training``): for every grade band x outcome x decision
  point, an out-of-time split, the chosen and calibrated model (and the same model with
  student characteristics, for the evaluation), test figures, tier meanings and feature
  importance -> one registry row per model, the fitted model serialised with skops;
- ``score_current`` (``k12ews.ml.risk.scoring``): the current year's students at the latest
  complete decision point;
- ``explain_current`` (``k12ews.ml.risk.explanations``): every feature's exact contribution to
  each score, with sentences;
- ``feature_importance``, ``evaluate_registry`` (``k12ews.ml.risk.model_evaluation``): the
  registry's importance figures as rows; the test cohorts' figures for each model, the
  named baselines and student groups.
"""

from __future__ import annotations

from k12ews.ml.risk.explanations import EXPLANATION_COLUMNS, explain_current
from k12ews.ml.risk.model_evaluation import (
    EVALUATION_COLUMNS,
    GROUPS,
    IMPORTANCE_COLUMNS,
    evaluate_registry,
    feature_importance,
    test_predictions,
)
from k12ews.ml.risk.scoring import SCORE_COLUMNS, LoadedModel, score_current, scoring_point, trained
from k12ews.ml.risk.settings import (
    COMPARISON_DECISION_POINT,
    DEFAULT_TIERS,
    FEATURE_SETS,
    POOLED_LEVEL_OUTCOMES,
    Settings,
    model_id,
    model_rows,
    with_labels,
)
from k12ews.ml.risk.training import (
    MIN_STUDENTS_PER_OUTCOME,
    NO_KNOWN_VALUE,
    ONE_VALUE,
    REGISTRY_COLUMNS,
    train_registry,
)

__all__ = [
    "COMPARISON_DECISION_POINT",
    "DEFAULT_TIERS",
    "EVALUATION_COLUMNS",
    "EXPLANATION_COLUMNS",
    "FEATURE_SETS",
    "GROUPS",
    "IMPORTANCE_COLUMNS",
    "MIN_STUDENTS_PER_OUTCOME",
    "NO_KNOWN_VALUE",
    "ONE_VALUE",
    "POOLED_LEVEL_OUTCOMES",
    "REGISTRY_COLUMNS",
    "SCORE_COLUMNS",
    "LoadedModel",
    "Settings",
    "evaluate_registry",
    "explain_current",
    "feature_importance",
    "model_id",
    "model_rows",
    "score_current",
    "scoring_point",
    "test_predictions",
    "train_registry",
    "trained",
    "with_labels",
]
