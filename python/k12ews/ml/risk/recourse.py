"""What would change it: for each current score, the smallest set of changes still
possible in the rest of the year that moves the student down a tier (``ml_risk_recourse``).

Only what the student and school can still change this year is considered: attending
more of the school days left, arriving on time, better marks in the terms still to come
(``k12ews.ml.risk.recourse_levers``; the days and terms come from the calendar,
ml_rest_of_year). Never the grade level, history (last year, retentions, moves, marks
already given), test results, services or student characteristics, and never a value
not on record. The search is exact on the additive model (``k12ews.ml.risk.recourse_search``):
the score recomputed by the model with the changes applied (``feature_changes``) is in
``tier_reached``, the next tier down; python/tests/district/test_ml_recourse_district.py recomputes
it for every student.

A suggestion says what the model weighs, not what will happen: attendance and marks go
with traits the records do not show, and the published estimates of what attendance
itself does are smaller than the patterns a model learns (docs/risk_models.md, "What
would change it").
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.odds import expit
from k12ews.ml.risk import evaluate, features, recourse_levers
from k12ews.ml.risk.recourse_levers import MARK_STEP, Lever, Student
from k12ews.ml.risk.recourse_search import drops, search
from k12ews.ml.risk.scoring import LoadedModel, scored

COLUMNS = schemas.ML_RISK_RECOURSE
TIERS = ("High", "Moderate", "Low")
LEVER_FEATURES = (
    "absence_rate_to_date",
    "unexcused_absence_rate_to_date",
    "latest_quarter_absence_rate",
    "tardy_rate_to_date",
    "gpa_to_date",
)
# The score after the changes must sit this far (log-odds) below the tier's threshold, so
# that the model's own arithmetic, recomputed, lands in the same tier.
MARGIN = 1e-9

FOUND = "found"
LOWEST = "already_lowest_tier"
NOT_THIS_YEAR = "not_within_this_year"


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def need_to_shed(
    logit: np.ndarray, tiers: np.ndarray, thresholds: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Per score, the next tier down and the log-odds to shed to reach it (NaN for Low)."""
    cut = {"High": thresholds["high"], "Moderate": thresholds["moderate"]}
    target = np.array([TIERS[TIERS.index(t) + 1] if t != "Low" else None for t in tiers])
    need = np.array(
        [
            lg - _logit(cut[t]) + MARGIN if t in cut else np.nan
            for lg, t in zip(logit, tiers, strict=True)
        ]
    )
    return target, need


def _apply(x: np.ndarray, names: list[str], levers: list[Lever], steps: np.ndarray) -> np.ndarray:
    out = x.copy()
    rows = np.arange(len(x))
    for j, lever in enumerate(levers):
        for f, after in lever.values.items():
            i = names.index(f)
            used = steps[:, j] > 0
            out[used, i] = after[rows[used], steps[used, j]]
    return out


def _changes(x: np.ndarray, after: np.ndarray, names: list[str]) -> list[str | None]:
    out: list[str | None] = []
    changed = ~((x == after) | (np.isnan(x) & np.isnan(after)))
    for a, b, c in zip(x, after, changed, strict=True):
        moved = {n: [float(a[i]), float(b[i])] for i, n in enumerate(names) if c[i]}
        out.append(json.dumps(moved, sort_keys=True) if moved else None)
    return out


def _days(n: float) -> str:
    return f"{n:g} school day" + ("" if n == 1 else "s")


def _lever_words(name: str, k: int, row: Mapping[str, float]) -> str:
    left = row["school_days_left"]
    if name == "attendance":
        pace = row["absence_rate_to_date"] * left
        return (
            f"attending {k} more of the {_days(left)} left this year (missing about "
            f"{max(pace - k, 0):.0f} of them instead of {pace:.0f})"
        )
    if name == "punctuality":
        return f"arriving on time on {k} more of the school days left"
    to_come = int(row["gpa_terms_in_year"] - row["gpa_terms_ended"])
    term = row["gpa_term_type"] or "term"
    average = row["gpa_to_date"] + MARK_STEP * k
    return (
        f"marks averaging {average:.1f} in the {to_come} {term}"
        f"{'' if to_come == 1 else 's'} still to come (GPA so far {row['gpa_to_date']:.1f})"
    )


def _sentence(status: str, tier: str, target: str | None, parts: list[str], p_after: float) -> str:
    if status == LOWEST:
        return "Already in the Low tier."
    if status == NOT_THIS_YEAR:
        return (
            f"No change still possible this year in attendance, punctuality or marks would "
            f"move the score from {tier} to {target}: the risk rests on the record so far."
        )
    changes = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"To move from {tier} to {target} by the end of the year: {changes}. "
        f"The model would then give {p_after:.0%} ({target}). This is what the model "
        "weighs, not a promise that the outcome would change."
    )


def _rows(sub: pd.DataFrame, rest: pd.DataFrame) -> pd.DataFrame:
    keys = ["school_id", "school_year", "decision_point"]
    cols = [
        *keys,
        "school_days_after_decision",
        "school_days_left",
        "gpa_term_type",
        "gpa_terms_in_year",
        "gpa_terms_ended",
        "gpa_scale_maximum",
    ]
    return sub.merge(rest[cols], how="left", on=keys, validate="many_to_one")


def _recourse_one(
    loaded: LoadedModel,
    sub: pd.DataFrame,
    x: np.ndarray,
    rest: pd.DataFrame,
    lever_of: Mapping[str, str],
) -> pd.DataFrame:
    """One scoring model's students: the plan of each, applied and recomputed."""
    r, model, names = loaded.row, loaded.model, loaded.model.features
    rows = _rows(sub.reset_index(drop=True), rest)
    record = features.design_frame(rows, stand_ins=False)
    student = Student.from_frames({f: record[f].to_numpy(float) for f in LEVER_FEATURES}, rows)
    logit_now = model.calibrated_logit(x)
    thresholds = json.loads(str(r["tier_thresholds"]))
    tiers = evaluate.tier_of(expit(logit_now), thresholds)
    target, need = need_to_shed(logit_now, tiers, thresholds)
    levers = recourse_levers.levers(student, lever_of, names, loaded.signs)
    lever_drops = [drops(model, x, lv) for lv in levers]
    scoring = ~np.isnan(need)
    plan = search(
        [lv.rows(scoring) for lv in levers], [d[scoring] for d in lever_drops], need[scoring]
    )
    steps = np.zeros((len(x), len(levers)), dtype=np.int64)
    steps[scoring] = np.where(plan.found[:, None], plan.steps, 0)
    found = np.zeros(len(x), dtype=bool)
    found[scoring] = plan.found
    after = _apply(x, names, levers, steps)
    logit_after = model.calibrated_logit(after)
    p_after = expit(logit_after)
    status = np.where(~scoring, LOWEST, np.where(found, FOUND, NOT_THIS_YEAR))
    words = rows.assign(
        absence_rate_to_date=record["absence_rate_to_date"].to_numpy(),
        gpa_to_date=record["gpa_to_date"].to_numpy(),
    ).to_dict("records")
    by_name = {lv.name: j for j, lv in enumerate(levers)}

    def lever_col(name: str) -> np.ndarray:
        j = by_name.get(name)
        k = steps[:, j] if j is not None else np.zeros(len(x), dtype=np.int64)
        return np.where(found & (k > 0), k, None)

    sentences = [
        _sentence(
            status[i],
            tiers[i],
            target[i],
            [
                _lever_words(lv.name, int(steps[i, j]), words[i])
                for j, lv in enumerate(levers)
                if steps[i, j] > 0
            ],
            float(p_after[i]),
        )
        for i in range(len(x))
    ]
    marks = lever_col("marks")
    return pd.DataFrame(
        {
            "student_id": rows["student_id"].to_numpy(),
            "school_year": rows["school_year"].to_numpy(),
            "outcome": r["outcome"],
            "model_id": r["model_id"],
            "model_version": r["model_version"],
            "decision_point": rows["decision_point"].to_numpy(),
            "school_id": rows["school_id"].to_numpy(),
            "grade_level": rows["grade_level"].to_numpy(),
            "risk_tier": tiers,
            "risk_probability": expit(logit_now),
            "recourse_status": status,
            "target_tier": target,
            "tier_reached": np.where(found, evaluate.tier_of(p_after, thresholds), None),
            "risk_probability_after": np.where(found, p_after, np.nan),
            "log_odds_to_shed": need,
            "changes": np.where(found, (steps > 0).sum(axis=1), 0),
            "school_days_left": rows["school_days_left"].to_numpy(),
            "school_days_after_decision": rows["school_days_after_decision"].to_numpy(),
            "more_days_attended": lever_col("attendance"),
            "more_days_on_time": lever_col("punctuality"),
            "remaining_terms_mark_raise": [None if k is None else MARK_STEP * k for k in marks],
            "gpa_terms_to_come": (rows["gpa_terms_in_year"] - rows["gpa_terms_ended"]).to_numpy(),
            "feature_changes": _changes(x, after, names),
            "suggestion": sentences,
        }
    )


def recourse_current(
    reg: pd.DataFrame,
    feats: pd.DataFrame,
    decision_points: pd.DataFrame,
    rest_of_year: pd.DataFrame,
    lever_of: Mapping[str, str],
) -> pd.DataFrame:
    """One row per current score: what would move it down a tier this year, if anything."""
    # One OpenMP thread, as in training (training.train_registry).
    with threadpool_limits(limits=1, user_api="openmp"):
        parts = [
            _recourse_one(loaded, sub, x, rest_of_year, lever_of)
            for loaded, sub, x, _ in scored(reg, feats, decision_points)
        ]
    if not parts:
        return typed.empty(COLUMNS)
    return typed.coerce(pd.concat(parts, ignore_index=True), COLUMNS)
