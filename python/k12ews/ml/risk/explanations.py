"""Explaining the current scores (``explain_current``): every feature's exact
contribution to each score, measured against the typical student of the student's grade
(``k12ews.ml.risk.reference``), with a sentence in K-12 words that says the student's value,
the typical student's, and what the model made of it (``k12ews.ml.risk.reference_words``).

An explanation says what the model weighed: how far each of the student's values moves
the score from the typical student's. It is not a cause, nor proof that changing the
value would change the outcome (docs/risk_models.md, "The explanation").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.risk import features, reference_words, sentences
from k12ews.ml.risk.scoring import LoadedModel, scored

EXPLANATION_COLUMNS = schemas.ML_RISK_EXPLANATIONS

# A contribution smaller than this (log-odds) is none: rounding, not a direction.
NONE_TOLERANCE = 1e-9

AGREED = {1: "higher_is_riskier", -1: "higher_is_safer", 0: "not_constrained"}


def directions(contrib: np.ndarray) -> np.ndarray:
    """raises, lowers or none per contribution."""
    return np.where(
        contrib > NONE_TOLERANCE, "raises", np.where(contrib < -NONE_TOLERANCE, "lowers", "none")
    )


def _ranks(frame: pd.DataFrame, top_factors: int) -> pd.DataFrame:
    key = [frame["student_id"], frame["outcome"]]
    c = frame["contribution"]
    frame["rank_raising"] = (
        c.where(frame["direction"] == "raises").groupby(key).rank(method="first", ascending=False)
    )
    frame["rank_lowering"] = (
        c.where(frame["direction"] == "lowers").groupby(key).rank(method="first", ascending=True)
    )
    top = (frame["rank_raising"] <= top_factors) | (frame["rank_lowering"] <= top_factors)
    frame["is_top_factor"] = top.to_numpy()
    return frame


def _sentences(
    frame: pd.DataFrame, sub: pd.DataFrame, names: list[str], grades: np.ndarray
) -> list[str]:
    """The fact from the student's record, the typical student (one clause per feature
    and grade, built once), and what the model weighed."""
    p = len(names)
    records = sub.reset_index(drop=True).to_dict("records")
    clauses: dict[tuple[str, int], str] = {}
    out = []
    refs = frame["reference_value"].to_numpy()
    # plain lists: iterating Arrow-backed columns cost 2 of the 7 seconds here
    feats, dirs = frame["feature"].tolist(), frame["direction"].tolist()
    for i, (f, d) in enumerate(zip(feats, dirs, strict=True)):
        g = int(grades[i // p])
        key = (f, g)
        if key not in clauses:
            clauses[key] = reference_words.typical_clause(f, refs[i], g)
        fact = sentences.describe(f, records[i // p])
        out.append(f"{fact}; {clauses[key]}. {reference_words.WEIGHED[d]}")
    return out


def explain_current(
    reg: pd.DataFrame, feats: pd.DataFrame, decision_points: pd.DataFrame, top_factors: int
) -> pd.DataFrame:
    """Every feature's contribution to every current score; sentences in K-12 words."""
    # One OpenMP thread, as in training (training.train_registry).
    with threadpool_limits(limits=1, user_api="openmp"):
        parts = [
            _explain_one(loaded, sub, x, top_factors)
            for loaded, sub, x, _ in scored(reg, feats, decision_points)
        ]
    if not parts:
        return typed.empty(EXPLANATION_COLUMNS)
    return typed.coerce(pd.concat(parts, ignore_index=True), EXPLANATION_COLUMNS)


def _explain_one(
    loaded: LoadedModel, sub: pd.DataFrame, x: np.ndarray, top_factors: int
) -> pd.DataFrame:
    """One model's scores, every feature's contribution in a row."""
    grades = loaded.grades(sub)
    contrib = loaded.model.contributions(x, grades)
    n, p = contrib.shape
    names = loaded.model.features
    known = features.design_frame(sub, stand_ins=False)[names].notna().to_numpy()
    typical = loaded.model.explainer.typical.record(grades)
    signs = loaded.signs
    frame = pd.DataFrame(
        {
            "student_id": np.repeat(sub["student_id"].to_numpy(), p),
            "school_year": np.repeat(sub["school_year"].to_numpy(), p),
            "outcome": loaded.row["outcome"],
            "model_id": loaded.row["model_id"],
            "model_version": loaded.row["model_version"],
            "feature": np.tile(names, n),
            "feature_group": np.tile([features.feature_group(f) for f in names], n),
            "feature_value": x.reshape(-1),
            "is_value_known": known.reshape(-1),
            "reference_grade_level": np.repeat(grades, p),
            "reference_value": typical.reshape(-1),
            "agreed_direction": np.tile([AGREED[s] for s in signs], n),
            "contribution": contrib.reshape(-1),
        }
    )
    frame["direction"] = directions(frame["contribution"].to_numpy())
    frame = _ranks(frame, top_factors)
    frame["sentence"] = _sentences(frame, sub, names, grades)
    return frame
