"""What every risk-model step shares: the dbt vars they read (``Settings``), the feature
sets, the tiers by default, each model's id and the feature rows it learns from and
scores."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from k12ews.ml.risk import evaluate
from k12ews.ml.vocabulary import GRADUATION, NEXT_GRADE, READING

FEATURE_SETS = ("actionable", "with_student_characteristics")
# The feature set not used for scoring is fitted at this decision point only, so the
# evaluation can set the two side by side (ml_model_evaluation) without doubling the
# training time.
COMPARISON_DECISION_POINT = "eoy"

# Outcomes whose calibration level (Platt intercept) is pooled over the training and
# validation cohorts; the slope stays the validation cohort's (train.calibrate). On-time
# graduation is one to seven years away, so a cohort's outcome averages over several
# future years' conditions and the cohorts' levels differ by little more than their
# sampling noise; one validation cohort (about 1,800 middle- or 2,700 high-school
# students) then sets the level by its own luck, and the graduation models' top decile
# ran 0.035-0.044 above the truth. Next-grade success is a year away and moves with the
# next year's conditions (the post-2020 rise in absence), so its level stays the latest
# cohort's; grade-3 reading keeps the plain rule too. docs/risk_models.md has the figures.
POOLED_LEVEL_OUTCOMES = frozenset({GRADUATION})

DEFAULT_TIERS: dict[str, dict[str, float]] = {
    NEXT_GRADE: {"high": 0.5, "moderate": 0.25},
    GRADUATION: {"high": 0.4, "moderate": 0.15},
    READING: {"high": 0.85, "moderate": 0.6},
}


@dataclass(frozen=True)
class Settings:
    """What the dbt vars decide (dbt_project.yml, models/ml/models/<model>.yml)."""

    seed: int = 20240901
    include_student_characteristics: bool = False
    shuffle_training_labels: bool = False  # the negative control: learn from noise
    tier_thresholds: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: DEFAULT_TIERS
    )
    baseline_settings: Mapping[str, float] = field(
        default_factory=lambda: dict(evaluate.DEFAULT_BASELINE_SETTINGS)
    )
    top_factors: int = 3

    @classmethod
    def from_json(cls, text: str | None) -> Settings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            seed=int(d.get("seed", base.seed)),
            include_student_characteristics=bool(
                d.get("include_student_characteristics", base.include_student_characteristics)
            ),
            shuffle_training_labels=bool(
                d.get("shuffle_training_labels", base.shuffle_training_labels)
            ),
            tier_thresholds=d.get("tier_thresholds") or base.tier_thresholds,
            baseline_settings={**base.baseline_settings, **d.get("baseline_settings", {})},
            top_factors=int(d.get("top_factors", base.top_factors)),
        )

    @property
    def scoring_feature_set(self) -> str:
        return FEATURE_SETS[1] if self.include_student_characteristics else FEATURE_SETS[0]


def model_id(band: str, outcome: str, decision_point: str, feature_set: str) -> str:
    return f"{band}__{outcome}__{decision_point}__{feature_set}"


def model_rows(feats: pd.DataFrame, band: str, outcome: str, decision_point: str) -> pd.DataFrame:
    """The feature rows a model learns from and scores, in a fixed order."""
    m = (feats["grade_band"] == band) & (feats["decision_point"] == decision_point)
    if outcome == READING:
        m &= feats["grade_level"] <= 2
    return feats[m].sort_values(["school_year", "student_id"], kind="stable").reset_index(drop=True)


def with_labels(rows: pd.DataFrame, labels: pd.DataFrame, outcome: str) -> pd.DataFrame:
    lab = labels.loc[
        labels["outcome"] == outcome, ["student_id", "school_year", "is_adverse_outcome"]
    ]
    out = rows.merge(lab, how="left", on=["student_id", "school_year"], validate="one_to_one")
    out["y"] = out["is_adverse_outcome"].astype("Float64").astype(float)
    return out
