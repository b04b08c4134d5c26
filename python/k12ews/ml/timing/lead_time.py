"""Lead time: how early, and how precisely, eventual non-graduates are identified.

Two views of the graduation (``on_time_graduation``) scoring models and of the named
baseline flags (``evaluate.baseline_scores``), per grade x decision point:

- **At that point** (``students`` ... ``recall``): on the models' out-of-time cohorts
  (``ml_out_of_time_scores``: the test school years, outcome known), the students in that
  grade at that decision point, the share of flagged students who did not graduate on
  time (precision) and the share of non-graduates flagged (recall).
- **By then** (``panel_*``, ``first_identified_*``): a panel followed over the years.
  It holds the students of the lowest graduation-model grade (grade 6) in that model's
  out-of-time cohort, whose outcome is known, and follows them on the scores the
  models never learned from (``ml_risk_trajectories.data_role`` test or scored: with the
  default split these are all of their rows from grade 6 to 12). For each grade x
  quarter it gives the share of the panel's eventual non-graduates first flagged at or
  before it, and the precision of "flagged at least once by then".

Flags: the model's High tier; the model at each threshold of ``risk_thresholds``
(flagged at or above); Balfanz ABC (one flag or more); Chicago on-track (off track,
grade 9 end of year only); chronic absence; prior-year GPA among the lowest
``PRIOR_GPA_SHARE`` of the grade that year at that decision point (ties at the cut all
flagged). ``statements`` then answers, per grade, which flag reaches a precision of at
least ``min_precision`` by the end of that grade with the highest share identified.

Limits: the thresholds are picked on the same panel the figures describe (a mild
optimism); the out-of-time cohorts are the latest two complete years of each band, so
the panel is a few hundred non-graduates of one district.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.risk import evaluate
from k12ews.ml.vocabulary import DP_ORDER, GRADUATION

OUTCOME = GRADUATION
# The share of a grade flagged by the prior-year GPA baseline (as in ml_model_evaluation).
PRIOR_GPA_SHARE = 0.10
HONEST_ROLES = ("test", "scored")
HIGH_TIER = "model: High tier"


@dataclass(frozen=True)
class LeadTimeSettings:
    """What the dbt vars decide (models/ml/timing/ml_lead_time.yml and its statement's)."""

    risk_thresholds: Sequence[float] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
    min_precision: float = 0.5
    statement_grades: Sequence[int] = (6, 8, 9)
    baseline_settings: Mapping[str, float] = field(
        default_factory=lambda: dict(evaluate.DEFAULT_BASELINE_SETTINGS)
    )

    @classmethod
    def from_json(cls, text: str | None) -> LeadTimeSettings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            risk_thresholds=tuple(float(t) for t in d.get("risk_thresholds", base.risk_thresholds)),
            min_precision=float(d.get("min_precision", base.min_precision)),
            statement_grades=tuple(
                int(g) for g in d.get("statement_grades", base.statement_grades)
            ),
            baseline_settings={**base.baseline_settings, **d.get("baseline_settings", {})},
        )


def threshold_method(threshold: float) -> str:
    return f"model: risk >= {threshold:.2f}"


def prior_gpa_flags(feats: pd.DataFrame) -> pd.Series:
    """Prior-year GPA at or below the ``PRIOR_GPA_SHARE`` quantile of the student's grade
    that school year at that decision point (NaN without a prior-year GPA)."""
    gpa = pd.to_numeric(feats["prior_year_gpa"], errors="coerce")
    keys = [feats["school_year"], feats["grade_level"], feats["decision_point"]]
    cut = gpa.groupby(keys).transform(lambda s: s.quantile(PRIOR_GPA_SHARE, interpolation="lower"))
    return (gpa <= cut).astype(float).where(gpa.notna())


def baseline_flags(feats: pd.DataFrame, settings: LeadTimeSettings) -> pd.DataFrame:
    """One column per baseline: 1.0 flagged, 0.0 not, NaN where it is not defined; keyed
    by student_id, school_year, decision_point."""
    scores = evaluate.baseline_scores(feats, settings.baseline_settings)
    out = feats[["student_id", "school_year", "decision_point"]].copy()
    for name in ("balfanz_abc", "chicago_on_track", "chronic_absence"):
        s = scores[name]
        out[f"baseline: {name}"] = (s >= 1).astype(float).where(s.notna())
    out["baseline: prior_year_gpa"] = prior_gpa_flags(feats)
    return out


def with_flags(
    rows: pd.DataFrame, baselines: pd.DataFrame, high: pd.Series, settings: LeadTimeSettings
) -> tuple[pd.DataFrame, list[str]]:
    """Rows (with ``risk_probability``) and every method's flag as a column; the method
    names in order. ``high``: the row's High-tier flag."""
    out = rows.merge(
        baselines, how="left", on=["student_id", "school_year", "decision_point"], validate="m:1"
    )
    methods = [HIGH_TIER]
    out[HIGH_TIER] = high.to_numpy(dtype=float)
    p = out["risk_probability"].to_numpy(dtype=float)
    for t in settings.risk_thresholds:
        name = threshold_method(t)
        out[name] = (p >= t).astype(float)
        methods.append(name)
    methods += [c for c in baselines.columns if c.startswith("baseline: ")]
    return out, methods


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a / b.where(b > 0)).astype(float)


def at_point(rows: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Precision and recall of each flag per grade x decision point (defined rows only)."""
    parts = []
    for m in methods:
        d = rows[rows[m].notna()]
        if d.empty:
            continue
        y = d["is_adverse_outcome"].astype(bool)
        f = d[m] == 1.0
        g = pd.DataFrame(
            {
                "grade_level": d["grade_level"],
                "decision_point": d["decision_point"],
                "test_school_years": d["test_school_years"],
                "y": y,
                "f": f,
                "tp": y & f,
            }
        ).groupby(["grade_level", "decision_point"], as_index=False)
        agg = g.agg(
            test_school_years=("test_school_years", "max"),
            students=("y", "size"),
            non_graduates=("y", "sum"),
            flagged=("f", "sum"),
            true_positives=("tp", "sum"),
        )
        agg.insert(0, "method", m)
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    out["precision"] = _ratio(out["true_positives"], out["flagged"])
    out["recall"] = _ratio(out["true_positives"], out["non_graduates"])
    return out


def panel(oot: pd.DataFrame, trajectory: pd.DataFrame) -> pd.DataFrame:
    """The lead-time panel's rows: students of the lowest grade of the graduation models'
    out-of-time cohorts, with their eventual outcome, on every later row the models never
    learned from (data_role test or scored)."""
    start = int(oot["grade_level"].min())
    first = oot[oot["grade_level"] == start]
    outcome = first.groupby("student_id")["is_adverse_outcome"].max().rename("is_adverse_outcome")
    rows = trajectory[
        trajectory["student_id"].isin(outcome.index)
        & trajectory["data_role"].isin(HONEST_ROLES)
        & (trajectory["grade_level"] >= start)
    ].drop(columns=["is_adverse_outcome"], errors="ignore")
    rows = rows.merge(outcome, how="left", left_on="student_id", right_index=True)
    rows["panel_school_years"] = _years_label(first["school_year"])
    return rows.reset_index(drop=True)


def _years_label(years: pd.Series) -> str:
    lo, hi = int(years.min()), int(years.max())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def by_then(rows: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Per method and grade x decision point (in order): panel students still scored
    there, and of the panel's eventual non-graduates the share first flagged at it and at
    or before it; the precision of having been flagged at least once by then."""
    position = rows["grade_level"].astype(int) * 10 + rows["decision_point"].map(DP_ORDER)
    students = rows.groupby("student_id")["is_adverse_outcome"].max().astype(bool)
    non_graduates = int(students.sum())
    positions = (
        pd.DataFrame(
            {
                "grade_level": rows["grade_level"].astype(int),
                "decision_point": rows["decision_point"],
                "position": position,
                "student_id": rows["student_id"],
            }
        )
        .groupby(["position", "grade_level", "decision_point"], as_index=False)
        .agg(panel_students_scored=("student_id", "nunique"))
        .sort_values("position", ignore_index=True)
    )
    parts = []
    for m in methods:
        flagged_at = position.where(rows[m] == 1.0)
        first = flagged_at.groupby(rows["student_id"]).min()  # NaN: never flagged
        first_bad = first[students.reindex(first.index).to_numpy()]
        pos = positions["position"].to_numpy()
        ever = np.sort(first.dropna().to_numpy())
        ever_bad = np.sort(first_bad.dropna().to_numpy())
        frame = positions.copy()
        frame.insert(0, "method", m)
        frame["panel_students"] = len(students)
        frame["panel_non_graduates"] = non_graduates
        frame["panel_flagged_by_then"] = np.searchsorted(ever, pos, side="right")
        frame["panel_identified_by_then"] = np.searchsorted(ever_bad, pos, side="right")
        frame["panel_first_identified_here"] = np.searchsorted(
            ever_bad, pos, side="right"
        ) - np.searchsorted(ever_bad, pos, side="left")
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out["first_identified_share"] = _ratio(
        out["panel_identified_by_then"], out["panel_non_graduates"]
    )
    out["first_identified_here_share"] = _ratio(
        out["panel_first_identified_here"], out["panel_non_graduates"]
    )
    out["precision_by_then"] = _ratio(out["panel_identified_by_then"], out["panel_flagged_by_then"])
    out["panel_school_years"] = rows["panel_school_years"].iloc[0] if len(rows) else None
    return out.drop(columns=["position"])


COLUMNS = schemas.ML_LEAD_TIME


def _method_threshold(methods: pd.Series, high_threshold: float) -> pd.Series:
    out = pd.Series(np.nan, index=methods.index)
    model = methods.str.startswith("model: risk >= ")
    out[model] = methods[model].str.removeprefix("model: risk >= ").astype(float)
    out[methods == HIGH_TIER] = high_threshold
    return out


def high_tier_threshold(reg: pd.DataFrame) -> float:
    """The High-tier cut of the graduation scoring models (var ml_risk_tiers)."""
    models = reg[
        (reg["status"] == "trained")
        & (reg["outcome"] == OUTCOME)
        & reg["is_scoring_model"].astype(bool)
    ]
    cuts = {float(json.loads(str(t))["high"]) for t in models["tier_thresholds"]}
    if len(cuts) > 1:
        raise ValueError(f"graduation models disagree on the High tier: {sorted(cuts)}")
    return cuts.pop() if cuts else float("nan")


def lead_time(
    reg: pd.DataFrame,
    oot_scores: pd.DataFrame,
    trajectory: pd.DataFrame,
    feats: pd.DataFrame,
    settings: LeadTimeSettings,
) -> pd.DataFrame:
    """ml_lead_time: one row per method x grade x decision point."""
    high_threshold = high_tier_threshold(reg)
    oot = oot_scores[
        (oot_scores["outcome"] == OUTCOME) & oot_scores["is_scoring_model"].astype(bool)
    ]
    traj = trajectory[trajectory["outcome"] == OUTCOME]
    if oot.empty or traj.empty:
        return typed.empty(COLUMNS)
    baselines = baseline_flags(feats, settings)
    snap, methods = with_flags(oot, baselines, oot["risk_tier"] == "High", settings)
    rows = panel(oot, traj)
    followed, _ = with_flags(rows, baselines, rows["risk_tier"] == "High", settings)
    key = ["method", "grade_level", "decision_point"]
    out = at_point(snap, methods).merge(by_then(followed, methods), how="outer", on=key)
    out["decision_point_order"] = out["decision_point"].map(DP_ORDER)
    out["risk_threshold"] = _method_threshold(out["method"], high_threshold)
    order = {m: i for i, m in enumerate(methods)}
    out = out.sort_values(
        ["method", "grade_level", "decision_point_order"],
        key=lambda s: s.map(order) if s.name == "method" else s,
        ignore_index=True,
    )
    return typed.coerce(out, COLUMNS)


STATEMENT_COLUMNS = schemas.ML_LEAD_TIME_STATEMENT


def _method_words(method: str, threshold: float) -> str:
    if method == HIGH_TIER:
        return f"the graduation model's High tier (risk >= {threshold:.2f})"
    if method.startswith("model: "):
        return f"the graduation model at risk >= {threshold:.2f}"
    return f"the {method.removeprefix('baseline: ')} flag"


def statements(frame: pd.DataFrame, settings: LeadTimeSettings) -> pd.DataFrame:
    """Per grade of ``statement_grades``: of the methods whose precision by the end of that
    grade is at least ``min_precision``, the one identifying the most non-graduates."""
    rows = []
    eoy = frame[(frame["decision_point"] == "eoy") & frame["panel_non_graduates"].notna()]
    start = int(eoy["grade_level"].min()) if len(eoy) else 0
    for grade in settings.statement_grades:
        at = eoy[eoy["grade_level"] == grade]
        ok = at[at["precision_by_then"] >= settings.min_precision]
        ok = ok.sort_values(
            ["first_identified_share", "precision_by_then", "method"],
            ascending=[False, False, True],
            kind="stable",
        )
        high = at[at["method"] == HIGH_TIER]
        base = {
            "by_end_of_grade": grade,
            "min_precision": settings.min_precision,
            "high_tier_share_identified": (
                float(high["first_identified_share"].iloc[0]) if len(high) else np.nan
            ),
            "high_tier_precision_by_then": (
                float(high["precision_by_then"].iloc[0]) if len(high) else np.nan
            ),
            "methods_meeting_precision": len(ok),
            "panel_school_years": at["panel_school_years"].iloc[0] if len(at) else None,
        }
        if at.empty:
            rows.append({**base, "statement": f"No panel student was scored in grade {grade}."})
            continue
        if ok.empty:
            rows.append(
                {
                    **base,
                    "statement": (
                        f"By the end of grade {grade}, no flag or model threshold reached a "
                        f"precision of {settings.min_precision:.2f}."
                    ),
                }
            )
            continue
        best = ok.iloc[0]
        n_bad = int(best["panel_non_graduates"])
        found = int(best["panel_identified_by_then"])
        flagged = int(best["panel_flagged_by_then"])
        rows.append(
            {
                **base,
                "method": best["method"],
                "risk_threshold": best["risk_threshold"],
                "share_identified": float(best["first_identified_share"]),
                "precision_by_then": float(best["precision_by_then"]),
                "non_graduates": n_bad,
                "identified": found,
                "flagged": flagged,
                "statement": (
                    f"By the end of grade {grade}, "
                    f"{_method_words(str(best['method']), float(best['risk_threshold']))} "
                    f"had flagged {found} of the {n_bad} eventual non-graduates "
                    f"({found / n_bad:.0%}) of the students in grade {start} in "
                    f"{base['panel_school_years']}, "
                    f"at a precision of {best['precision_by_then']:.2f} "
                    f"({found} of the {flagged} students it flagged did not graduate on time)."
                ),
            }
        )
    return typed.coerce(pd.DataFrame(rows), STATEMENT_COLUMNS)
