"""What to do first: per school, the students to reach first within its capacity, ranked
by the expected benefit of the service that fits each of them best (issue #5).

The rules (docs/intervention_plan.md explains them for school staff):

- **Capacity.** A school can take on ``ceil(enrolled / students_per_counsellor) x
  caseload_per_counsellor_per_term`` students a term: one counsellor per 250 students (the
  ratio the American School Counselor Association recommends, ASCA, "The Role of the
  School Counselor") each taking on 20 new students a term (both dbt vars).
- **The outcome planned for** depends on the grade: K-2 reading by grade 3
  (``grade_3_reading``), grades 3-5 the next grade (``next_grade_success``), grades 6-12
  on-time graduation (``on_time_graduation``). The risk is the model's calibrated
  probability of *not* achieving it.
- **Which services fit a student** (the service codes and domains come from seed
  ``xwalk_services``): the service is offered in the grade the student will be in when it
  starts (the district's records show it started for students in that grade at least
  once, ``fct_program_services``); the student has not already got it: no spell of it
  running on the reference date (the as-of date for the current plan) and none started
  earlier in the school year it would start in; a service of the ``enrichment``
  domain (gifted services) only for students identified as gifted that year; a service of
  the ``attendance`` domain only for students who missed at least
  ``attendance_min_absence_rate`` of their school days so far.
- **Which services can be suggested**: those whose estimated effect
  (``ml_intervention_effects``), for the band of the starting grade and the student's
  outcome, lowers the risk with 95% confidence (the upper end of its 95% interval on the
  risk difference is below zero). ``effect_timing`` says which band row: ``pooled``
  (default) the row pooled over the start quarters, ``start_quarter`` the row of the
  quarter the service would start in (the next one); each falls back to the other where
  its row was not estimated. A quarter's row rests on about a quarter of the starts, so
  its interval is about twice as wide.
- **Benefit** of a service for a student: ``risk - expit(logit(risk) + effect_log_odds)``,
  the fall in the student's own probability when the band's average effect on the
  log-odds is applied to it: served now against not served now.
- **Added benefit** of a place in the plan: ``benefit x (1 - chance started anyway)``. The
  effect compares starting the service now with not starting it now under usual care, and
  a place changes nothing for a student the school would have started on it that quarter
  anyway; the chance of that is learned from the district's past decisions
  (``k12ews.ml.plan.usual_care``; setting ``net_of_usual_care``, default on; off, the chance
  is taken as 0). The student's suggested service is the one with the largest added
  benefit (ties: service code order), and the school's students are ranked by it (ties:
  higher risk first, then student id), the top ``capacity`` kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.odds import expit
from k12ews.ml.plan import usual_care
from k12ews.ml.plan.plan_words import no_raising_reason, top_reasons, why_sentence
from k12ews.ml.vocabulary import DP_ORDER, GRADUATION, NEXT_GRADE, READING, grade_band

ATTENDANCE_DOMAIN = "attendance"
GIFTED_DOMAIN = "enrichment"


@dataclass(frozen=True)
class PlanSettings:
    """What the dbt vars decide (models/marts/actions/ews_intervention_plan.yml)."""

    students_per_counsellor: int = 250
    caseload_per_counsellor_per_term: int = 20
    attendance_min_absence_rate: float = 0.08
    top_reasons: int = 3
    effect_timing: str = "pooled"
    net_of_usual_care: bool = True

    @classmethod
    def from_json(cls, text: str | None) -> PlanSettings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            students_per_counsellor=int(
                d.get("students_per_counsellor", base.students_per_counsellor)
            ),
            caseload_per_counsellor_per_term=int(
                d.get("caseload_per_counsellor_per_term", base.caseload_per_counsellor_per_term)
            ),
            attendance_min_absence_rate=float(
                d.get("attendance_min_absence_rate", base.attendance_min_absence_rate)
            ),
            top_reasons=int(d.get("top_reasons", base.top_reasons)),
            effect_timing=str(d.get("effect_timing", base.effect_timing)),
            net_of_usual_care=_as_bool(d.get("net_of_usual_care", base.net_of_usual_care)),
        )


def _as_bool(value: object) -> bool:
    """A var's true or false, also when it comes as text ("false" from --vars)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text not in ("true", "false"):
            raise ValueError(f"net_of_usual_care must be true or false, not {value!r}")
        return text == "true"
    return bool(value)


def plan_outcome(grade_level: int) -> str:
    """The outcome the plan works towards for a grade (K = 0)."""
    if grade_level <= 2:
        return READING
    if grade_level <= 5:
        return NEXT_GRADE
    return GRADUATION


def school_capacity(enrolled: int, settings: PlanSettings) -> int:
    """Students a school can take on this term: counsellors x caseload per counsellor."""
    if enrolled <= 0:
        return 0
    counsellors = math.ceil(enrolled / settings.students_per_counsellor)
    return counsellors * settings.caseload_per_counsellor_per_term


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def benefit(risk: np.ndarray, effect_log_odds: np.ndarray) -> np.ndarray:
    """Fall in the probability of the adverse outcome when the effect (log-odds; negative
    helps) is applied to the student's own risk: ``risk - expit(logit(risk) + effect)``."""
    risk = np.asarray(risk, dtype=float)
    return risk - expit(logit(risk) + np.asarray(effect_log_odds, dtype=float))


# --- the estimates -----------------------------------------------------------------------

ESTIMATE_COLUMNS = [
    "effect_key",
    "service",
    "outcome",
    "grade_band",
    "start_quarter",
    "effect",
    "effect_ci_low",
    "effect_ci_high",
    "effect_log_odds",
    "n_treated",
]


# ml_intervention_effects' names for what the plan reads (first found wins): the brief's
# documented names and the model's own (python/k12ews/ml/effects/tables.py OUTPUT_COLUMNS).
EFFECT_SOURCE_COLUMNS = {
    "effect_key": ("cell_id", "effect_key", "key"),
    "effect_ci_low": ("effect_ci_low", "ci_low"),
    "effect_ci_high": ("effect_ci_high", "ci_high"),
    "n_treated": ("treated", "n_treated"),
}


def _source(frame: pd.DataFrame, name: str) -> pd.Series:
    for col in EFFECT_SOURCE_COLUMNS.get(name, (name,)):
        if col in frame.columns:
            return frame[col]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def effect_estimates(effects: pd.DataFrame) -> pd.DataFrame:
    """The one place that knows ``ml_intervention_effects``' columns: its estimated band
    rows (``start_grade`` null), one per service x outcome x band x start quarter, with a
    null ``start_quarter`` for a row pooled over the quarters."""
    e = effects
    if "start_grade" in e.columns:
        e = e[e["start_grade"].isna()]
    if "is_estimated" in e.columns:
        e = e[e["is_estimated"].astype("boolean").fillna(False).astype(bool)]
    quarter = pd.to_numeric(e["start_quarter"], errors="coerce")
    out = pd.DataFrame(
        {
            "effect_key": _source(e, "effect_key").astype("string"),
            "service": e["service"].astype(str),
            "outcome": e["outcome"].astype(str),
            "grade_band": e["grade_band"].astype(str),
            "start_quarter": quarter.where(quarter.between(1, 4)).astype("Int64"),
            "effect": pd.to_numeric(e["effect"], errors="coerce").astype(float),
            "effect_ci_low": pd.to_numeric(_source(e, "effect_ci_low"), errors="coerce"),
            "effect_ci_high": pd.to_numeric(_source(e, "effect_ci_high"), errors="coerce"),
            "effect_log_odds": pd.to_numeric(e["effect_log_odds"], errors="coerce"),
            "n_treated": pd.to_numeric(_source(e, "n_treated"), errors="coerce").astype("Int64"),
        }
    )
    return (
        out[ESTIMATE_COLUMNS]
        .astype({"effect_ci_low": float, "effect_ci_high": float, "effect_log_odds": float})
        .reset_index(drop=True)
    )


def is_helpful(estimates: pd.DataFrame) -> pd.Series:
    """The estimate lowers the risk with 95% confidence (its interval lies below zero)."""
    return (
        (estimates["effect_ci_high"] < 0)
        & (estimates["effect_log_odds"] < 0)
        & estimates["effect_log_odds"].notna()
    )


EFFECT_TIMINGS = ("pooled", "start_quarter")


def _estimate_for_start(estimates: pd.DataFrame, timing: str = "pooled") -> pd.DataFrame:
    """Estimates keyed by service x outcome x band x start quarter 1-4, with
    ``effect_start_quarter`` saying which row was read (null: pooled over quarters).
    ``pooled``: the row pooled over the quarters, else the quarter's own row;
    ``start_quarter``: the quarter's own row, else the pooled one."""
    if timing not in EFFECT_TIMINGS:
        raise ValueError(f"effect timing must be one of {EFFECT_TIMINGS}, not {timing!r}")
    keys = ["service", "outcome", "grade_band"]
    quarters = pd.DataFrame({"start_quarter": pd.array([1, 2, 3, 4], dtype="Int64")})
    grid = estimates[keys].drop_duplicates().merge(quarters, how="cross")
    est = estimates[estimates["effect_log_odds"].notna()]
    by_quarter = est[est["start_quarter"].notna()].copy()
    by_quarter["effect_start_quarter"] = by_quarter["start_quarter"]
    own = grid.merge(
        by_quarter,
        how="left",
        on=[*keys, "start_quarter"],
        validate="1:1",
    )
    pooled = grid.merge(
        est[est["start_quarter"].isna()]
        .drop(columns="start_quarter")
        .assign(effect_start_quarter=pd.NA),
        how="left",
        on=keys,
        validate="m:1",
    )
    first, second = (pooled, own) if timing == "pooled" else (own, pooled)
    missing = first["effect_log_odds"].isna()
    out = first.copy()
    out["effect_start_quarter"] = out["effect_start_quarter"].astype("Int64")
    value_columns = [c for c in out.columns if c not in [*keys, "start_quarter"]]
    for c in value_columns:
        out.loc[missing, c] = second.loc[missing, c]
    out["effect_start_quarter"] = out["effect_start_quarter"].astype("Int64")
    return out.dropna(subset=["effect_log_odds"]).reset_index(drop=True)


# --- who fits which service ---------------------------------------------------------------


def next_start(
    school_year: pd.Series, decision_point: pd.Series, grade_level: pd.Series
) -> pd.DataFrame:
    """When a service started after a decision point begins: the next quarter of the same
    year, or after the end of the year quarter 1 of the next year, a grade up."""
    order = decision_point.map(DP_ORDER).astype(int)
    after_year = order >= 4
    start_grade = grade_level.astype(int) + after_year.astype(int)
    return pd.DataFrame(
        {
            "start_school_year": school_year.astype(int) + after_year.astype(int),
            "start_quarter": np.where(after_year, 1, order + 1).astype(int),
            "start_grade": start_grade,
            "start_grade_band": start_grade.map(grade_band).astype("str"),
        },
        index=school_year.index,
    )


def offered_grades(services: pd.DataFrame) -> pd.DataFrame:
    """(service, grade_level) pairs the district's records show a service started in."""
    g = services[["service", "grade_level"]].dropna().drop_duplicates()
    return g.astype({"service": str, "grade_level": int}).reset_index(drop=True)


def running_services(services: pd.DataFrame, students: pd.DataFrame) -> pd.DataFrame:
    """(student_id, school_year, service) the student already has: a spell running on the
    student's ``reference_date`` (started by then, not ended before it), or one started
    earlier in the school year the new service would start in (as the effect estimates'
    risk sets leave out students who had started the service earlier that year)."""
    s = services[["student_id", "service", "school_year", "start_date", "end_date"]].merge(
        students[["student_id", "school_year", "reference_date", "start_school_year"]],
        on="student_id",
        suffixes=("_spell", ""),
    )
    start = pd.to_datetime(s["start_date"])
    end = pd.to_datetime(s["end_date"])
    ref = pd.to_datetime(s["reference_date"])
    running = (start <= ref) & (end.isna() | (end >= ref))
    this_year = (s["school_year_spell"] == s["start_school_year"]) & (start <= ref)
    return s.loc[running | this_year, ["student_id", "school_year", "service"]].drop_duplicates()


STUDENT_COLUMNS = [
    "student_id",
    "school_year",
    "decision_point",
    "school_id",
    "grade_level",
    "outcome",
    "risk_probability",
    "absence_rate",
    "is_gifted",
    "reference_date",
    "start_school_year",
    "start_quarter",
    "start_grade",
    "start_grade_band",
]


# candidate rows -> the chance the school starts each candidate's service anyway
ChanceAnyway = Callable[[pd.DataFrame], np.ndarray]


def usual_care_chances(risk_sets: pd.DataFrame, feats: pd.DataFrame) -> ChanceAnyway:
    """The chance of starting anyway from the district's past decisions (risk sets of
    ``ml_service_risk_sets``, ``feats`` the whole of ``ml_features``)."""

    def chances(cands: pd.DataFrame) -> np.ndarray:
        return usual_care.chance_started_anyway(cands, risk_sets, feats)

    return chances


def candidates(
    students: pd.DataFrame,
    estimates: pd.DataFrame,
    services: pd.DataFrame,
    xwalk: pd.DataFrame,
    settings: PlanSettings,
    chance_anyway: ChanceAnyway | None = None,
) -> pd.DataFrame:
    """Every student x service that fits the student (offered in the starting grade, not
    running, the domain's rule), with its estimate for the student's start, the benefit,
    the chance the school starts it anyway (``chance_anyway``, for the helpful ones; 0
    when not given, when ``settings.net_of_usual_care`` is off, for a service that cannot
    be suggested, or where no model knows the service and band)
    and the added benefit. ``is_helpful`` marks those that may be suggested."""
    st = students[STUDENT_COLUMNS]
    svc = xwalk[["service", "description", "domain"]].rename(
        columns={"description": "service_description", "domain": "service_domain"}
    )
    c = st.merge(svc, how="cross")
    offered = offered_grades(services).rename(columns={"grade_level": "start_grade"})
    c = c.merge(offered.assign(_offered=True), how="left", on=["service", "start_grade"])
    running = running_services(services, st).assign(_running=True)
    c = c.merge(running, how="left", on=["student_id", "school_year", "service"])
    absence = pd.to_numeric(c["absence_rate"], errors="coerce")
    gifted = c["is_gifted"].astype("boolean").fillna(False).astype(bool)
    fits = (
        c["_offered"].eq(True)
        & ~c["_running"].eq(True)
        & (
            (c["service_domain"] != ATTENDANCE_DOMAIN)
            | (absence >= settings.attendance_min_absence_rate)
        )
        & ((c["service_domain"] != GIFTED_DOMAIN) | gifted)
    )
    c = c[fits.to_numpy()].drop(columns=["_offered", "_running"])
    est = _estimate_for_start(estimates, settings.effect_timing).rename(
        columns={"grade_band": "start_grade_band"}
    )
    c = c.astype({"start_quarter": "Int64"}).merge(
        est, how="inner", on=["service", "outcome", "start_grade_band", "start_quarter"]
    )
    c = c.reset_index(drop=True)
    c["is_helpful"] = is_helpful(c).to_numpy()
    c["benefit"] = benefit(c["risk_probability"], c["effect_log_odds"])
    chance = np.zeros(len(c))
    helpful = c["is_helpful"].to_numpy()
    if chance_anyway is not None and settings.net_of_usual_care and helpful.any():
        # only where it can matter: a service that is not helpful is never suggested
        got = np.asarray(chance_anyway(c[helpful]), dtype=float)
        chance[helpful] = np.nan_to_num(got, nan=0.0)
    c["chance_started_anyway"] = chance
    c["added_benefit"] = c["benefit"] * (1.0 - chance)
    return c


def best_services(cands: pd.DataFrame) -> pd.DataFrame:
    """One row per student with a helpful service that fits: the one with the largest
    added benefit (ties: service code order), and the helpful services open to the
    student."""
    h = cands[cands["is_helpful"]].sort_values(
        ["student_id", "school_year", "added_benefit", "service"],
        ascending=[True, True, False, True],
    )
    keys = ["student_id", "school_year"]
    open_list = (
        h.sort_values([*keys, "service"])
        .groupby(keys)["service_description"]
        .agg(lambda s: ", ".join(s))
        .rename("helpful_services_open")
    )
    n_open = h.groupby(keys).size().rename("helpful_services_count")
    best = h.drop_duplicates(keys, keep="first").set_index(keys)
    return best.join(open_list).join(n_open).reset_index()


# --- ranking within capacity ---------------------------------------------------------------


def rank_within(frame: pd.DataFrame, unit: list[str], by: str) -> pd.Series:
    """1 = first within the unit by ``by`` (descending), ties by higher risk, then id."""
    order = frame.sort_values(
        [*unit, by, "risk_probability", "student_id"],
        ascending=[True] * len(unit) + [False, False, True],
    )
    ranks = order.groupby(unit, sort=False).cumcount() + 1
    return ranks.reindex(frame.index)


def capacities(students: pd.DataFrame, unit: list[str], settings: PlanSettings) -> pd.DataFrame:
    """Enrolled students and capacity per unit (school, or school x year)."""
    n = students.groupby(unit)["student_id"].nunique().rename("enrolled_students").reset_index()
    n["capacity"] = [school_capacity(int(e), settings) for e in n["enrolled_students"]]
    return n


# --- sentences -------------------------------------------------------------------------------


# --- the plan -------------------------------------------------------------------------------

PLAN_COLUMNS = schemas.EWS_INTERVENTION_PLAN


def plan_students(
    scores: pd.DataFrame, feats: pd.DataFrame, student_years: pd.DataFrame, as_of_date: object
) -> pd.DataFrame:
    """The current scores of each student's plan outcome, with what the fit rules read: a
    student whose plan outcome has no model (a district without state tests cannot
    train grade-3 reading) is planned by next-grade success."""
    own = scores["outcome"] == scores["grade_level"].astype(int).map(plan_outcome)
    planned = scores.loc[own, ["student_id", "school_year"]].drop_duplicates()
    fallback = scores[scores["outcome"] == NEXT_GRADE].merge(
        planned, how="left", on=["student_id", "school_year"], indicator=True
    )
    fallback = fallback[fallback["_merge"] == "left_only"].drop(columns="_merge")
    s = pd.concat([scores[own], fallback], ignore_index=True)
    f = feats[["student_id", "school_year", "decision_point", "absence_rate_to_date"]]
    f = f.merge(s[["student_id", "school_year", "decision_point"]].drop_duplicates())
    s = s.merge(f, how="left", on=["student_id", "school_year", "decision_point"], validate="1:1")
    g = student_years[["student_id", "school_year", "is_gifted"]]
    s = s.merge(g, how="left", on=["student_id", "school_year"], validate="m:1")
    s = s.rename(columns={"absence_rate_to_date": "absence_rate"})
    s["reference_date"] = pd.Timestamp(as_of_date)
    start = next_start(s["school_year"], s["decision_point"], s["grade_level"])
    return pd.concat([s, start], axis=1)


def build_plan(
    scores: pd.DataFrame,
    explanations: pd.DataFrame,
    feats: pd.DataFrame,
    student_years: pd.DataFrame,
    services: pd.DataFrame,
    xwalk: pd.DataFrame,
    effects: pd.DataFrame,
    as_of_date: object,
    settings: PlanSettings,
    risk_sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per school, the top ``capacity`` students by the added benefit of their best
    service. ``feats``: ml_features, whole (the chance of starting anyway learns from past
    decision points) or only the scored points (then no risk sets are needed);
    ``risk_sets``: ml_service_risk_sets (``usual_care.RISK_SET_COLUMNS``)."""
    if scores.empty:
        return typed.empty(PLAN_COLUMNS)
    students = plan_students(scores, feats, student_years, as_of_date)
    # capacity follows every student scored, whatever the outcome (the school's enrolment)
    caps = capacities(scores, ["school_id"], settings)
    students = students.merge(caps, on="school_id")
    students["risk_rank_in_school"] = rank_within(students, ["school_id"], "risk_probability")
    students["is_within_capacity_by_risk"] = students["risk_rank_in_school"] <= students["capacity"]
    chances = None if risk_sets is None else usual_care_chances(risk_sets, feats)
    best = best_services(
        candidates(students, effect_estimates(effects), services, xwalk, settings, chances)
    )
    keep = [
        c for c in best.columns if c not in students.columns or c in ("student_id", "school_year")
    ]
    p = students.merge(best[keep], on=["student_id", "school_year"], how="inner")
    p["plan_rank"] = rank_within(p, ["school_id"], "added_benefit")
    p = p[p["plan_rank"] <= p["capacity"]].copy()
    reasons = top_reasons(explanations, settings.top_reasons)
    p = p.merge(reasons, how="left", on=["student_id", "school_year", "outcome"])
    # measured against the typical student of the grade, nothing may raise a student's risk
    p["top_reasons"] = [
        r if isinstance(r, str) else no_raising_reason(int(g))
        for r, g in zip(p["top_reasons"], p["grade_level"], strict=True)
    ]
    p["why_this_service"] = [
        why_sentence(
            r, set(r["top_reason_groups"]) if isinstance(r["top_reason_groups"], list) else set()
        )
        for _, r in p.iterrows()
    ]
    p = p.rename(
        columns={
            "enrolled_students": "school_enrolled_students",
            "capacity": "school_capacity",
            "service": "suggested_service",
            "n_treated": "effect_n_treated",
        }
    )
    p["expected_benefit_points"] = 100 * p["benefit"]
    p["added_benefit_points"] = 100 * p["added_benefit"]
    p["risk_if_served"] = p["risk_probability"] - p["benefit"]
    p["estimated_effect_points"] = 100 * p["effect"]
    p["effect_ci_low_points"] = 100 * p["effect_ci_low"]
    p["effect_ci_high_points"] = 100 * p["effect_ci_high"]
    p = p.sort_values(["school_id", "plan_rank"])
    return typed.coerce(p, PLAN_COLUMNS)
