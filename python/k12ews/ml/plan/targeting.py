"""Whom to target with the same counsellor capacity: individual students or whole
schools and grades?

Perdomo, Britton, Hardt and Abebe (2023), "Difficult Lessons on Social Prediction from
Wisconsin Public Schools" (arXiv 2304.06205), found that Wisconsin's dropout early-warning
scores were accurate, yet much of what they knew was which school a student attended, and
argued that reaching whole schools may do as much as ranking individual students. This
module puts that question to the district's own out-of-time cohort.

The cohort: the graduation models' out-of-time test years (``ml_out_of_time_scores``,
scoring models, end-of-year scores, middle and high bands), whose on-time graduation is
known. Grade 12 is left out: nothing started after the end of grade 12 can change whether
a student graduated on time. A service chosen at the end of a year starts in quarter 1
of the next year, a grade up (``plan.next_start``); which services fit and how much they
help follow the plan's rules (``k12ews.ml.plan.plan``).

The capacity is the plan's: per school and school year, ``ceil(students / 250) x 20``,
summed over the cohort's schools and years. Strategies:

- ``students_by_benefit``: in each school and year, its capacity of students with the
  largest added benefit of their best helpful service (the plan's rule: the benefit net
  of the chance the school would have started the service anyway, learned from the
  quarters that began before the start, ``k12ews.ml.plan.usual_care``);
- ``students_by_risk``: in each school and year, its capacity of students by risk alone;
- ``schools_by_rate``: whole schools (a school in a year), highest mean risk first, each
  taken whole while it fits in what is left of the total capacity (a unit too big for
  what is left is skipped, the next one tried);
- ``school_grades_by_rate``: the same with a grade of a school in a year as the unit.

Every student reached gets their best helpful service when one fits (no service and no
expected benefit otherwise). ``chosen_rows`` returns each strategy's (student_id,
school_year, service) so the choice can also be judged under the generator's true
outcome model; ``compare`` summarises them under the estimated effects (the added
benefit: what a place changes, net of usual care) and the observed outcomes.
"""

from __future__ import annotations

import pandas as pd

from k12ews.ml import schemas, typed
from k12ews.ml.plan import plan
from k12ews.ml.vocabulary import GRADUATION

OUTCOME = GRADUATION
BANDS = ("middle", "high")
DECISION_POINT = "eoy"
LAST_GRADE = 12
SCHOOL_UNIT = ["school_id", "school_year"]
GRADE_UNIT = ["school_id", "school_year", "grade_level"]
STRATEGIES = {
    "students_by_benefit": (
        "Individual students: in each school, its capacity of students with the largest "
        "added benefit of their best helpful service (the plan's rule: the expected benefit "
        "net of the chance the school would start it anyway)"
    ),
    "students_by_risk": (
        "Individual students: in each school, its capacity of students by risk alone"
    ),
    "schools_by_rate": (
        "Whole schools: every student of the schools with the highest mean risk, each taken "
        "whole while it fits in the capacity left"
    ),
    "school_grades_by_rate": (
        "Whole grades of a school: every student of the school-grades with the highest mean "
        "risk, each taken whole while it fits in the capacity left"
    ),
}


def cohort(
    oot: pd.DataFrame,
    feats: pd.DataFrame,
    student_years: pd.DataFrame,
    decision_points: pd.DataFrame,
) -> pd.DataFrame:
    """The out-of-time students whose graduation is known, end-of-year scores of the
    scoring models, middle and high bands, grades before 12, with what the fit rules read."""
    o = oot[
        (oot["outcome"] == OUTCOME)
        & (oot["decision_point"] == DECISION_POINT)
        & oot["is_scoring_model"].astype(bool)
        & oot["grade_band"].isin(BANDS)
        & (oot["grade_level"] < LAST_GRADE)
    ].copy()
    f = feats[["student_id", "school_year", "decision_point", "absence_rate_to_date"]]
    o = o.merge(f, how="left", on=["student_id", "school_year", "decision_point"], validate="1:1")
    g = student_years[["student_id", "school_year", "is_gifted"]]
    o = o.merge(g, how="left", on=["student_id", "school_year"], validate="1:1")
    d = decision_points[["school_year", "decision_point", "decision_date"]]
    o = o.merge(d, how="left", on=["school_year", "decision_point"], validate="m:1")
    o = o.rename(
        columns={"absence_rate_to_date": "absence_rate", "decision_date": "reference_date"}
    )
    start = plan.next_start(o["school_year"], o["decision_point"], o["grade_level"])
    return pd.concat([o, start], axis=1).reset_index(drop=True)


def with_best_service(
    students: pd.DataFrame,
    services: pd.DataFrame,
    xwalk: pd.DataFrame,
    effects: pd.DataFrame,
    settings: plan.PlanSettings,
    chance_anyway: plan.ChanceAnyway | None = None,
) -> pd.DataFrame:
    """Each student with their best helpful service, its benefit and its added benefit
    (none and 0 when no helpful service fits)."""
    cands = plan.candidates(
        students, plan.effect_estimates(effects), services, xwalk, settings, chance_anyway
    )
    best = plan.best_services(cands)[
        ["student_id", "school_year", "service", "benefit", "added_benefit"]
    ]
    out = students.merge(best, how="left", on=["student_id", "school_year"], validate="1:1")
    out["benefit"] = out["benefit"].fillna(0.0)
    out["added_benefit"] = out["added_benefit"].fillna(0.0)
    return out


def _individual(s: pd.DataFrame, by: str, settings: plan.PlanSettings) -> pd.DataFrame:
    caps = plan.capacities(s, SCHOOL_UNIT, settings)
    pool = s[s[by] > 0] if by == "added_benefit" else s
    pool = pool.merge(caps[[*SCHOOL_UNIT, "capacity"]], on=SCHOOL_UNIT)
    pool = pool.assign(rank=plan.rank_within(pool, SCHOOL_UNIT, by))
    return pool[pool["rank"] <= pool["capacity"]].drop(columns=["capacity", "rank"])


def _whole_units(s: pd.DataFrame, unit: list[str], capacity: int) -> pd.DataFrame:
    """Units by mean risk (ties: unit keys), each taken whole while it fits."""
    rates = (
        s.groupby(unit)
        .agg(rate=("risk_probability", "mean"), size=("student_id", "size"))
        .reset_index()
        .sort_values(["rate", *unit], ascending=[False] + [True] * len(unit))
    )
    left, taken = capacity, []
    for row in rates.itertuples(index=False):
        if row.size <= left:
            taken.append(tuple(getattr(row, k) for k in unit))
            left -= row.size
    chosen = pd.DataFrame(taken, columns=unit)
    return s.merge(chosen, on=unit)


def total_capacity(students: pd.DataFrame, settings: plan.PlanSettings) -> int:
    return int(plan.capacities(students, SCHOOL_UNIT, settings)["capacity"].sum())


def choose(students: pd.DataFrame, settings: plan.PlanSettings) -> pd.DataFrame:
    """Each strategy's students (``with_best_service`` rows), one row per strategy x
    student x school year."""
    total = total_capacity(students, settings)
    parts = {
        "students_by_benefit": _individual(students, "added_benefit", settings),
        "students_by_risk": _individual(students, "risk_probability", settings),
        "schools_by_rate": _whole_units(students, SCHOOL_UNIT, total),
        "school_grades_by_rate": _whole_units(students, GRADE_UNIT, total),
    }
    return pd.concat([p.assign(strategy=name) for name, p in parts.items()], ignore_index=True)


def _cohort_with_service(
    oot: pd.DataFrame,
    feats: pd.DataFrame,
    student_years: pd.DataFrame,
    decision_points: pd.DataFrame,
    services: pd.DataFrame,
    xwalk: pd.DataFrame,
    effects: pd.DataFrame,
    settings: plan.PlanSettings,
    risk_sets: pd.DataFrame | None,
) -> pd.DataFrame:
    students = cohort(oot, feats, student_years, decision_points)
    if students.empty:  # nothing to set a service against (targeting_comparison says why)
        return students.assign(service=None, benefit=0.0, added_benefit=0.0)
    chances = None if risk_sets is None else plan.usual_care_chances(risk_sets, feats)
    return with_best_service(students, services, xwalk, effects, settings, chances)


def chosen_rows(
    oot: pd.DataFrame,
    feats: pd.DataFrame,
    student_years: pd.DataFrame,
    decision_points: pd.DataFrame,
    services: pd.DataFrame,
    xwalk: pd.DataFrame,
    effects: pd.DataFrame,
    settings: plan.PlanSettings | None = None,
    risk_sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each strategy, the students it reaches: strategy, student_id, school_year (of
    the score), service (null when no helpful service fits), and when the service would
    start (start_school_year, start_quarter, start_grade). Pure: reads only its inputs,
    the tables ``ml_targeting_comparison`` reads: ``oot`` ml.ml_out_of_time_scores,
    ``feats`` ml.ml_features, ``student_years`` ews.ews_student_year, ``decision_points``
    ml.ml_decision_points, ``services`` core.fct_program_services, ``xwalk``
    seeds.xwalk_services, ``effects`` ml.ml_intervention_effects, ``risk_sets``
    ml.ml_service_risk_sets (whole tables will do; without risk sets no one is taken to
    start a service anyway)."""
    settings = settings or plan.PlanSettings()
    s = _cohort_with_service(
        oot, feats, student_years, decision_points, services, xwalk, effects, settings, risk_sets
    )
    c = choose(s, settings)
    cols = [
        "strategy",
        "student_id",
        "school_year",
        "service",
        "start_school_year",
        "start_quarter",
        "start_grade",
    ]
    return c[cols].sort_values(["strategy", "school_year", "student_id"]).reset_index(drop=True)


def _years(s: pd.DataFrame) -> str:
    parts = []
    for band in BANDS:
        years = sorted(s.loc[s["grade_band"] == band, "school_year"].unique())
        if years:
            span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
            parts.append(f"{band} {span}")
    return "; ".join(parts)


SUMMARY_COLUMNS = schemas.ML_TARGETING_COMPARISON


def compare(
    students: pd.DataFrame, chosen: pd.DataFrame, settings: plan.PlanSettings
) -> pd.DataFrame:
    """One row per strategy: students reached, the non-graduations they are expected to
    prevent under the estimated effects, and how many of them did not graduate."""
    y = students["is_adverse_outcome"].astype(bool)
    total_ng = int(y.sum())
    rows = []
    for name, desc in STRATEGIES.items():
        c = chosen[chosen["strategy"] == name]
        ng = int(c["is_adverse_outcome"].astype(bool).sum())
        unit = {"schools_by_rate": SCHOOL_UNIT, "school_grades_by_rate": GRADE_UNIT}.get(
            name, ["student_id", "school_year"]
        )
        n = len(c)
        rows.append(
            {
                "strategy": name,
                "strategy_description": desc,
                "cohort_school_years": _years(students),
                "cohort_students": len(students),
                "cohort_non_graduates": total_ng,
                "capacity": total_capacity(students, settings),
                "units_served": len(c[unit].drop_duplicates()),
                "students_served": n,
                "students_served_with_a_service": int(c["service"].notna().sum()),
                "mean_risk_served": float(c["risk_probability"].mean()) if n else float("nan"),
                "expected_non_graduations_prevented": float(c["added_benefit"].sum()),
                "non_graduates_served": ng,
                "observed_non_graduation_rate_served": ng / n if n else float("nan"),
                "share_of_non_graduates_reached": ng / total_ng if total_ng else float("nan"),
            }
        )
    return typed.coerce(pd.DataFrame(rows), SUMMARY_COLUMNS)


def targeting_comparison(
    oot: pd.DataFrame,
    feats: pd.DataFrame,
    student_years: pd.DataFrame,
    decision_points: pd.DataFrame,
    services: pd.DataFrame,
    xwalk: pd.DataFrame,
    effects: pd.DataFrame,
    settings: plan.PlanSettings,
    risk_sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The comparison table (ml_targeting_comparison): a row per strategy, always, with
    ``status`` compared or not_compared and, when not compared, ``status_reason``."""
    s = _cohort_with_service(
        oot, feats, student_years, decision_points, services, xwalk, effects, settings, risk_sets
    )
    if s.empty:
        return not_compared(_no_cohort_reason(oot))
    out = compare(s, choose(s, settings), settings).assign(status=COMPARED)
    if not (s["added_benefit"] > 0).any():
        by_benefit = out["strategy"] == "students_by_benefit"
        out.loc[by_benefit, "status"] = NOT_COMPARED
        out.loc[by_benefit, "status_reason"] = NO_BENEFIT
    return typed.coerce(out, SUMMARY_COLUMNS)


COMPARED, NOT_COMPARED = "compared", "not_compared"
NO_BENEFIT = (
    "no student of the cohort has a service that fits and clearly lowers the risk of not "
    "graduating (ml_intervention_effects: no service, or no estimate whose interval lies "
    "below zero), so there is no benefit to rank by"
)


def _no_cohort_reason(oot: pd.DataFrame) -> str:
    graduation = oot[
        (oot["outcome"] == OUTCOME)
        & (oot["decision_point"] == DECISION_POINT)
        & oot["is_scoring_model"].astype(bool)
    ]
    if graduation.empty:
        return (
            "no out-of-time cohort: no end-of-year graduation model was trained "
            "(ml_model_registry.status_reason says why)"
        )
    return (
        f"no student of the graduation models' out-of-time cohort is in grades 6-{LAST_GRADE - 1}"
    )


def not_compared(reason: str) -> pd.DataFrame:
    """A row per strategy, nothing served, with the reason nothing could be compared."""
    rows = [
        {
            "strategy": name,
            "strategy_description": desc,
            "cohort_school_years": "",
            **dict.fromkeys(
                (
                    "cohort_students",
                    "cohort_non_graduates",
                    "capacity",
                    "units_served",
                    "students_served",
                    "students_served_with_a_service",
                    "non_graduates_served",
                ),
                0,
            ),
            "expected_non_graduations_prevented": 0.0,
            "status": NOT_COMPARED,
            "status_reason": reason,
        }
        for name, desc in STRATEGIES.items()
    ]
    return typed.coerce(pd.DataFrame(rows), SUMMARY_COLUMNS)
