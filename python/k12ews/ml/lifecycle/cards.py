"""Model cards (Mitchell et al. 2019, "Model Cards for Model Reporting"): for each
promoted model, the sections a school leader reads before trusting it, built from the
registry and what the lifecycle recorded about it, in school terms.

Sections, in order: model details; intended use; out of scope (misuse); training
cohorts; features; out-of-time figures (the estimate it was promoted on); deployed
figures (its stored scores against the outcomes that followed, once known); student
groups; tiers; drift; promotion. Each is a row (section_order, section, content), so
the dbt docs, the report and a BI tool show the same text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.risk import scoring
from k12ews.ml.vocabulary import BAND_ADJECTIVES, OUTCOME_LABELS, OUTCOME_RISK

COLUMNS = schemas.ML_MODEL_CARDS
POINTS = {
    "q1": "the end of the first quarter",
    "q2": "the end of the second quarter",
    "q3": "the end of the third quarter",
    "eoy": "the end of the year",
}


def _pct(v: object) -> str:
    return "n/a" if v is None or pd.isna(v) else f"{float(v):.0%}"  # type: ignore[arg-type]


def _num(v: object) -> str:
    return "n/a" if v is None or pd.isna(v) else f"{float(v):.3f}"  # type: ignore[arg-type]


def _details(r: Mapping[str, object]) -> str:
    return (
        f"Estimates the chance of {OUTCOME_RISK[str(r['outcome'])]} for each "
        f"{BAND_ADJECTIVES[str(r['grade_band'])]} student, from what was on record at "
        f"{POINTS[str(r['decision_point'])]}. A {r['candidate']} model held to the agreed "
        f"direction of each indicator, calibrated (Platt), version {r['model_version']}, "
        f"trained on the build of {r['as_of_date']}, scikit-learn {r['sklearn_version']}."
    )


def _intended(r: Mapping[str, object]) -> str:
    return (
        "To help counsellors, teachers and school leaders decide which students to reach "
        f"first for support with {OUTCOME_LABELS[str(r['outcome'])]}, and why: each "
        "score comes with the indicators that raised and lowered it against the typical "
        "student of the grade, and what would move it down a tier. A score is a prompt "
        "for a conversation with the student and family, read beside what staff know."
    )


MISUSE = (
    "Not for decisions about a student on its own: not for placement, tracking, "
    "retention, discipline, admission, grading or eligibility, and not to be shown to "
    "students as a label. Not a cause: an indicator that raised a score is what the "
    "model weighed, not proof that changing it changes the outcome. Not for judging "
    "schools or staff (scores follow students' circumstances). Not valid for a district, "
    "a grade band or a decision point it was not trained on, nor for years far from its "
    "training cohorts (see drift)."
)


def _training(r: Mapping[str, object]) -> str:
    return (
        f"Learnt from school years {r['train_school_years']} ({r['train_students']} "
        f"student-years, {_pct(r['train_event_rate'])} with the adverse outcome); "
        f"candidate chosen and calibrated on {r['validation_school_years']} "
        f"({r['validation_students']}); tested out of time on {r['test_school_years']} "
        f"({r['test_students']}, {_pct(r['test_event_rate'])})."
    )


def _features(r: Mapping[str, object]) -> str:
    used = json.loads(str(r["features"]))
    text = f"{len(used)} indicators: {', '.join(used)}."
    left = r.get("features_not_used")
    left_out = json.loads(str(left)) if isinstance(left, str) else {}
    if left_out:
        text += " Left out: " + "; ".join(f"{k} ({v})" for k, v in sorted(left_out.items()))
    return text


def _out_of_time(r: Mapping[str, object]) -> str:
    m = json.loads(str(r["test_metrics"]))
    return (
        f"On {r['test_school_years']}: ROC AUC {_num(m.get('roc_auc'))}, PR AUC "
        f"{_num(m.get('pr_auc'))}, Brier score {_num(m.get('brier_score'))}, calibration "
        f"error {_num(m.get('calibration_error'))}; of the top 10% of scores, "
        f"{_pct(m.get('precision_at_top_10pct'))} had the adverse outcome."
    )


def _deployed(deployed: pd.DataFrame) -> str:
    if deployed.empty:
        return (
            "Not yet known: no cohort scored by this version has its outcomes on record. "
            "Once one has, ml_deployed_evaluation judges the stored scores against them."
        )
    parts = [
        f"scored on {pd.Timestamp(d['as_of_date']).date()} for {d['school_year']}: ROC AUC "
        f"{_num(d['roc_auc'])}, calibration error {_num(d['calibration_error'])}, precision "
        f"at the capacity cut {_pct(d['precision_at_capacity'])} ({d['students']} students)"
        for _, d in deployed.sort_values("as_of_date").iterrows()
    ]
    return "The stored scores against what happened: " + "; ".join(parts) + "."


def _groups(groups: pd.DataFrame) -> str:
    if groups.empty:
        return "No student-group figures."
    parts = [
        f"{g['group_type']} {g['group_value']}: AUC {_num(g['roc_auc'])}, "
        f"calibration error {_num(g['calibration_error'])} ({int(g['students'])} students)"
        for _, g in groups.iterrows()
    ]
    return "Out of time, per group: " + "; ".join(parts) + "."


def _tiers(r: Mapping[str, object]) -> str:
    meanings = json.loads(str(r["tier_meanings"]))
    return " ".join(meanings[t]["meaning"] for t in ("High", "Moderate", "Low") if t in meanings)


def _drift(drift: pd.DataFrame) -> str:
    if drift.empty:
        return "Not measured: the model scored no student this year."
    moved = drift[drift["is_drifted"].astype(bool)]
    if moved.empty:
        return "Stable: no indicator and not the scores have drifted from the training cohorts."
    names = ", ".join(
        f"{q} ({s}, PSI {_num(v)})"
        for q, s, v in zip(
            moved["quantity"],
            moved["drift_status"],
            moved["population_stability_index"],
            strict=True,
        )
    )
    return f"Drifted from the training cohorts: {names}."


def card(r: Mapping[str, object], tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """One model's card: its sections' text in order (``tables``: ``promotion``,
    ``deployed``, ``groups`` and ``drift`` rows of this model)."""
    promotion = tables["promotion"]
    reason = str(promotion["promotion_reason"].iloc[-1]) if len(promotion) else "not recorded"
    return [
        _details(r),
        _intended(r),
        MISUSE,
        _training(r),
        _features(r),
        _out_of_time(r),
        _deployed(tables["deployed"]),
        _groups(tables["groups"]),
        _tiers(r),
        _drift(tables["drift"]),
        f"Promoted on {promotion['trained_at'].iloc[-1] if len(promotion) else 'n/a'}: {reason}.",
    ]


SECTIONS = (
    "model details",
    "intended use",
    "out of scope",
    "training cohorts",
    "features",
    "out-of-time figures",
    "deployed figures",
    "student groups",
    "tiers",
    "drift",
    "promotion",
)


def _rows_of(frame: pd.DataFrame, version: object) -> pd.DataFrame:
    return frame[frame["model_version"] == version]


def cards(
    reg: pd.DataFrame,
    store: pd.DataFrame,
    deployed: pd.DataFrame,
    evaluation: pd.DataFrame,
    drift: pd.DataFrame,
) -> pd.DataFrame:
    """One row per promoted model's section (``store``: its promoted rows; ``deployed``:
    ml_deployed_evaluation's all-students rows; ``evaluation``: ml_model_evaluation's
    per-group rows of the model; ``drift``: ml_model_drift)."""
    rows = []
    for _, r in scoring.trained(reg).iterrows():
        v = r["model_version"]
        promotion = _rows_of(store, v).sort_values("trained_at")
        tables = {
            "promotion": promotion,
            "deployed": _rows_of(deployed, v),
            "groups": _rows_of(evaluation, v),
            "drift": _rows_of(drift, v),
        }
        promoted_at = promotion["trained_at"].iloc[-1] if len(promotion) else None
        for i, (section, content) in enumerate(zip(SECTIONS, card(r, tables), strict=True)):
            rows.append(
                {
                    **{
                        k: r[k]
                        for k in (
                            "model_id",
                            "model_version",
                            "grade_band",
                            "outcome",
                            "decision_point",
                        )
                    },
                    "promoted_at": promoted_at,
                    "section_order": i + 1,
                    "section": section,
                    "content": content,
                }
            )
    if not rows:
        return typed.empty(COLUMNS)
    return typed.coerce(pd.DataFrame(rows), COLUMNS)
