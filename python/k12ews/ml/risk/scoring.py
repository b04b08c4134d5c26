"""Scoring the current year (``score_current``): each registry model deserialised
(``LoadedModel``) and applied to the current year's students at the latest complete
decision point."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.odds import expit
from k12ews.ml.risk import evaluate, features, registry, train
from k12ews.ml.risk.explain import AdditiveExplainer
from k12ews.ml.risk.settings import model_rows

SCORE_COLUMNS = schemas.ML_RISK_SCORES


@dataclass
class LoadedModel:
    """A registry row's model, deserialised, ready to score and explain."""

    row: Mapping[str, object]
    model: train.FittedModel

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> LoadedModel:
        estimator = registry.load_estimator(bytes(row["model_bytes"]))  # type: ignore[arg-type]
        hyper = json.loads(str(row["hyper_parameters"]))
        name = hyper.pop("candidate")
        explainer = AdditiveExplainer.from_dict(json.loads(str(row["explainer"])))
        model = train.FittedModel(
            candidate=train.Candidate(name, hyper),
            estimator=estimator,
            features=json.loads(str(row["features"])),
            explainer=explainer,
        )
        return cls(row=row, model=model)

    def design(self, rows: pd.DataFrame) -> np.ndarray:
        return features.design_frame(rows)[self.model.features].to_numpy(dtype=float)

    @staticmethod
    def grades(rows: pd.DataFrame) -> np.ndarray:
        """Each row's grade: whose typical student its explanation is measured against."""
        return rows["grade_level"].to_numpy(dtype=np.int64)

    @property
    def signs(self) -> list[int]:
        """The direction each feature was constrained to (+1, -1, 0), as trained."""
        text = self.row.get("direction_constraints")
        signs = json.loads(str(text)) if text is not None and text == text else {}
        return [int(signs.get(f, 0)) for f in self.model.features]

    def unconstrained(self) -> train.FittedModel | None:
        """The same candidate fitted without the direction constraints on the same
        cohorts (``k12ews.ml.risk.constraint_cost``); None for a base-rate model."""
        data = self.row.get("unconstrained_model_bytes")
        if data is None or (isinstance(data, float) and data != data):
            return None
        estimator = registry.load_estimator(bytes(data))  # type: ignore[arg-type]
        explainer = AdditiveExplainer(typical=self.model.explainer.typical).calibrated(
            float(self.row["unconstrained_platt_slope"]),  # type: ignore[arg-type]
            float(self.row["unconstrained_platt_intercept"]),  # type: ignore[arg-type]
        )
        return train.FittedModel(
            candidate=self.model.candidate,
            estimator=estimator,
            features=self.model.features,
            explainer=explainer,
        )


def trained(reg: pd.DataFrame) -> pd.DataFrame:
    return reg[reg["status"] == "trained"]


def scoring_point(decision_points: pd.DataFrame, school_year: int) -> tuple[str, bool]:
    """The current year's latest complete decision point (q1, not yet complete, if none)."""
    year = decision_points[decision_points["school_year"] == school_year]
    done = year[year["is_complete"].astype(bool)]
    if done.empty:
        return "q1", False
    return str(done.sort_values("decision_point_order")["decision_point"].iloc[-1]), True


def _current_rows(
    feats: pd.DataFrame, decision_points: pd.DataFrame
) -> tuple[pd.DataFrame, int, str, bool]:
    year = int(feats["school_year"].max())
    dp, complete = scoring_point(decision_points, year)
    rows = feats[(feats["school_year"] == year) & (feats["decision_point"] == dp)]
    return rows, year, dp, complete


def scored(
    reg: pd.DataFrame, feats: pd.DataFrame, decision_points: pd.DataFrame
) -> list[tuple[LoadedModel, pd.DataFrame, np.ndarray, bool]]:
    if feats.empty:  # no student year on record: nothing to score
        return []
    rows, _, dp, complete = _current_rows(feats, decision_points)
    out = []
    for _, r in trained(reg).iterrows():
        if not r["is_scoring_model"] or r["decision_point"] != dp:
            continue
        loaded = LoadedModel.from_row(r.to_dict())
        sub = model_rows(rows, str(r["grade_band"]), str(r["outcome"]), dp)
        if sub.empty:
            continue
        out.append((loaded, sub, loaded.design(sub), complete))
    return out


def score_current(
    reg: pd.DataFrame, feats: pd.DataFrame, decision_points: pd.DataFrame
) -> pd.DataFrame:
    """Calibrated probability, tier, meaning and rank for the current year's students."""
    parts = []
    for loaded, sub, x, complete in scored(reg, feats, decision_points):
        r = loaded.row
        logit = loaded.model.calibrated_logit(x)
        p = expit(logit)
        thresholds = json.loads(str(r["tier_thresholds"]))
        meanings = json.loads(str(r["tier_meanings"]))
        tiers = evaluate.tier_of(p, thresholds)
        parts.append(
            pd.DataFrame(
                {
                    "student_id": sub["student_id"].to_numpy(),
                    "school_year": sub["school_year"].to_numpy(),
                    "decision_point": sub["decision_point"].to_numpy(),
                    "decision_date": sub["decision_date"].to_numpy(),
                    "is_decision_point_complete": complete,
                    "school_id": sub["school_id"].to_numpy(),
                    "grade_level": sub["grade_level"].to_numpy(),
                    "grade_band": r["grade_band"],
                    "outcome": r["outcome"],
                    "risk_probability": p,
                    "risk_log_odds": logit,
                    "base_log_odds": loaded.model.base_log_odds(loaded.grades(sub)),
                    "risk_tier": tiers,
                    "tier_meaning": [meanings[t]["meaning"] for t in tiers],
                    "model_id": r["model_id"],
                    "model_version": r["model_version"],
                }
            )
        )
    if not parts:
        return typed.empty(SCORE_COLUMNS)
    scores = pd.concat(parts, ignore_index=True)
    grp = scores.groupby(["outcome", "school_id", "grade_level"], sort=False)["risk_probability"]
    scores["rank_in_school_grade"] = grp.rank(method="min", ascending=False).astype(int)
    scores["students_in_school_grade"] = grp.transform("size").astype(int)
    scores = scores.sort_values(
        ["outcome", "school_id", "grade_level", "rank_in_school_grade", "student_id"]
    )
    return typed.coerce(scores, SCORE_COLUMNS)
