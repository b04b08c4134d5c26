"""Out-of-time evaluation of a risk model beside the flags schools already use.

Baselines, each computed from the same ``ml_features`` row as the model (so from what was
known at the same decision point), on the rows where the baseline is defined:

- ``balfanz_abc``: Balfanz's ABC flags (Balfanz, Herzog & Mac Iver 2007): attendance at or
  below var ``abc_attendance_rate_threshold``, an out-of-school suspension, a failing math
  or English mark; scored by the number of flags (0-3), flagged with one or more;
- ``chicago_on_track``: the Chicago 9th-grade on-track indicator (Allensworth & Easton
  2005): at least var ``on_track_min_credits`` credits and at most
  ``on_track_max_core_semester_failures`` core semester Fs at the end of grade 9; defined
  on grade-9 rows at the end of the year only;
- ``chronic_absence``: absent on at least var ``chronic_absence_threshold`` of at least
  ``chronic_absence_min_enrolled_days`` enrolled days so far;
- ``prior_year_gpa``: last year's GPA, lower = riskier (rows with a GPA last year).

A binary flag ranks students in two groups; its "top 10%" takes flagged students first,
in a fixed order, which is how a school would work down an unranked list.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from k12ews.ml.risk import metrics
from k12ews.ml.vocabulary import OUTCOME_PAST

SHARES = (0.05, 0.10, 0.20)

# The baselines' thresholds when the dbt vars do not set them (dbt_project.yml vars of the
# same names).
DEFAULT_BASELINE_SETTINGS: Mapping[str, float] = {
    "abc_attendance_rate_threshold": 0.80,
    "chronic_absence_threshold": 0.10,
    "chronic_absence_min_enrolled_days": 10,
    "on_track_min_credits": 5,
    "on_track_max_core_semester_failures": 1,
}


def baseline_scores(rows: pd.DataFrame, settings: Mapping[str, float]) -> dict[str, pd.Series]:
    """Each baseline's score (higher = riskier; NaN where the baseline is not defined)."""
    rate = pd.to_numeric(rows["absence_rate_to_date"], errors="coerce")
    days = pd.to_numeric(rows["days_enrolled_to_date"], errors="coerce")
    a = ((1 - rate) <= settings["abc_attendance_rate_threshold"]).astype(float)
    b = (pd.to_numeric(rows["out_of_school_suspensions_to_date"]) > 0).astype(float)
    c = (
        (pd.to_numeric(rows["math_failures_to_date"]) > 0)
        | (pd.to_numeric(rows["ela_failures_to_date"]) > 0)
    ).astype(float)
    abc = (a + b + c).where(rate.notna())
    chronic = ((rate >= settings["chronic_absence_threshold"]).astype(float)).where(
        days >= settings["chronic_absence_min_enrolled_days"]
    )
    grade9_eoy = (rows["grade_level"] == 9) & (rows["decision_point"] == "eoy")
    credits = pd.to_numeric(rows["credits_earned_to_date"], errors="coerce")
    sem_f = pd.to_numeric(rows["core_semester_failures_to_date"], errors="coerce")
    off_track = (
        (credits < settings["on_track_min_credits"])
        | (sem_f > settings["on_track_max_core_semester_failures"])
    ).astype(float)
    chicago = off_track.where(grade9_eoy & credits.notna())
    gpa = -pd.to_numeric(rows["prior_year_gpa"], errors="coerce")
    return {
        "balfanz_abc": abc,
        "chicago_on_track": chicago,
        "chronic_absence": chronic,
        "prior_year_gpa": gpa,
    }


BINARY_BASELINES = {"chicago_on_track", "chronic_absence"}


def score_metrics(y: np.ndarray, score: np.ndarray, probability: bool) -> dict[str, float]:
    """Ranking, calibration and top-k% figures of one score."""
    out: dict[str, float] = {
        "students": float(len(y)),
        "events": float(np.sum(y)),
        "roc_auc": metrics.roc_auc(y, score),
        "pr_auc": metrics.pr_auc(y, score),
        "brier_score": metrics.brier(y, score) if probability else float("nan"),
        "calibration_error": (
            metrics.expected_calibration_error(y, score) if probability else float("nan")
        ),
    }
    for share in SHARES:
        p, r = metrics.precision_recall_at_top(y, score, share)
        k = round(share * 100)
        out[f"precision_at_top_{k}pct"] = p
        out[f"recall_at_top_{k}pct"] = r
    return out


def flag_metrics(y: np.ndarray, flag: np.ndarray) -> dict[str, float]:
    acc = metrics.flag_accuracy(y, flag)
    return {
        "flag_rate": acc.flag_rate,
        "precision": acc.precision,
        "sensitivity": acc.sensitivity,
        "specificity": acc.specificity,
        "false_positive_rate": acc.false_positive_rate,
        "false_negative_rate": acc.false_negative_rate,
    }


def tier_of(p: np.ndarray, thresholds: Mapping[str, float]) -> np.ndarray:
    """High at or above thresholds['high'], Moderate at or above ['moderate'], else Low."""
    return np.where(
        p >= thresholds["high"], "High", np.where(p >= thresholds["moderate"], "Moderate", "Low")
    )


def tier_meanings(
    y: np.ndarray,
    p: np.ndarray,
    thresholds: Mapping[str, float],
    outcome: str,
    decision_point: str,
    test_label: str,
) -> dict[str, dict[str, object]]:
    """For each tier, what it meant on the out-of-time cohort, in numbers and in words."""
    tiers = tier_of(p, thresholds)
    when = (
        "at the end of the year"
        if decision_point == "eoy"
        else f"at the end of {decision_point.upper()}"
    )
    out: dict[str, dict[str, object]] = {}
    for tier in ("High", "Moderate", "Low"):
        m = tiers == tier
        n = int(m.sum())
        rate = float(y[m].mean()) if n else float("nan")
        text = (
            f"Of {n} students scored {tier} {when} in {test_label}, {rate:.0%} "
            f"{OUTCOME_PAST[outcome]}."
            if n
            else f"No student was scored {tier} {when} in {test_label}."
        )
        out[tier] = {"students": n, "adverse_rate": rate, "meaning": text}
    return out
