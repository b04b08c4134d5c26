"""Which columns of ``ml_features`` each risk model uses, and how they become numbers.

By default the models use only what a school can act on -- attendance, marks, credits,
behaviour, mobility, state tests, retention history and services (``ACTIONABLE``). The
student characteristics (sex, race/ethnicity, free/reduced lunch, English learner, IEP)
are added only when a district asks for them (dbt var ``ml_include_student_characteristics``);
the evaluation fits both so the choice is informed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.ml.vocabulary import BANDS, GRADUATION, NEXT_GRADE, READING

# outcome -> the bands it is modelled for (grade_3_reading: K-2 rows of the elementary band)
OUTCOME_BANDS: dict[str, tuple[str, ...]] = {
    NEXT_GRADE: BANDS,
    GRADUATION: ("middle", "high"),
    READING: ("elementary",),
}

# feature -> the indicator group it belongs to (the groups a school can act on)
ACTIONABLE: dict[str, str] = {
    "grade_level": "grade",
    "absence_rate_to_date": "attendance",
    "unexcused_absence_rate_to_date": "attendance",
    "tardy_rate_to_date": "attendance",
    "latest_quarter_absence_rate": "attendance",
    "prior_year_absence_rate": "attendance",
    "excused_share_of_absences": "attendance",
    "core_failures_to_date": "grades",
    "math_failures_to_date": "grades",
    "ela_failures_to_date": "grades",
    "gpa_to_date": "grades",
    "prior_year_gpa": "grades",
    "prior_year_core_failures": "grades",
    "credits_behind_to_date": "credits",
    "incidents_to_date": "behaviour",
    "out_of_school_suspensions_to_date": "behaviour",
    "prior_year_incidents": "behaviour",
    "prior_year_out_of_school_suspensions": "behaviour",
    "school_changes_this_year_to_date": "mobility",
    "is_late_entry": "mobility",
    "is_new_to_district": "mobility",
    "school_changes_before_this_year": "mobility",
    "latest_reading_level": "assessments",
    "latest_math_level": "assessments",
    "state_tests_missed_this_year": "assessments",
    "times_retained": "history",
    "is_over_age_for_grade": "history",
    "service_spells_this_year_to_date": "services",
    "highest_mtss_tier_this_year_to_date": "services",
    "service_spells_before_this_year": "services",
}

# Model inputs computed here from other columns of ml_features (design_frame), not read.
DERIVED = ("excused_share_of_absences", "credits_behind_to_date")

# State test performance levels (seed xwalk_performance_levels: 1-4) and the value a
# missing result takes in the models (the scale's middle; see design_frame).
TEST_LEVELS = ("latest_reading_level", "latest_math_level")
MISSING_TEST_LEVEL = 2.5


def missing_fill(names: list[str]) -> np.ndarray:
    """Per model input, the value a missing one takes (``design_frame``'s stand-ins; NaN
    where the model reads the value as missing)."""
    return np.array([MISSING_TEST_LEVEL if n in TEST_LEVELS else np.nan for n in names])


# ews_student_year.race_ethnicity_reporting_group values (seed xwalk_race_ethnicity)
RACE_GROUPS = (
    "american indian or alaska native",
    "asian or pacific islander",
    "black",
    "hispanic",
    "two or more races",
    "white",
)


def _race_feature(group: str) -> str:
    return "race_" + group.replace(" ", "_")


STUDENT_CHARACTERISTICS: dict[str, str] = {
    "is_male": "student characteristics",
    **{_race_feature(g): "student characteristics" for g in RACE_GROUPS},
    "is_economically_disadvantaged": "student characteristics",
    "is_english_learner": "student characteristics",
    "has_iep": "student characteristics",
}

# Columns of ml_features that are student groups for the fairness evaluation.
GROUP_COLUMNS = (
    "race_ethnicity_reporting_group",
    "is_economically_disadvantaged",
    "is_english_learner",
    "has_iep",
    "sex",
)

# Features that mean nothing in a band (no credits before high school; no marks at q1 in
# grades 6-12 where terms are semesters, but those are simply missing, which models handle).
_NOT_IN_BAND: dict[str, set[str]] = {
    "elementary": {"credits_behind_to_date"},
    "middle": {"credits_behind_to_date"},
    "high": set(),
}
# grade_3_reading is predicted in K-2, before any state test.
_NOT_FOR_OUTCOME: dict[str, set[str]] = {
    READING: {
        "latest_reading_level",
        "latest_math_level",
        "state_tests_missed_this_year",
    },
}


def feature_names(band: str, outcome: str, include_characteristics: bool) -> list[str]:
    """The model's input columns, in a fixed order."""
    if band not in BANDS:
        raise ValueError(f"unknown grade band {band!r}")
    if band not in OUTCOME_BANDS.get(outcome, ()):
        raise ValueError(f"outcome {outcome!r} is not modelled for the {band} band")
    drop = _NOT_IN_BAND[band] | _NOT_FOR_OUTCOME.get(outcome, set())
    names = [f for f in ACTIONABLE if f not in drop]
    if include_characteristics:
        names += list(STUDENT_CHARACTERISTICS)
    return names


def feature_group(name: str) -> str:
    return ACTIONABLE.get(name) or STUDENT_CHARACTERISTICS[name]


def _flag(series: pd.Series) -> np.ndarray:
    """Booleans (possibly null) as 1.0 / 0.0 / NaN."""
    return pd.to_numeric(series.astype("boolean").astype("Float64"), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )


def design_frame(features: pd.DataFrame, stand_ins: bool = True) -> pd.DataFrame:
    """Every model input as a float column (NaN = missing), from ``ml_features`` rows.
    ``stand_ins=False`` leaves a missing test level missing (what is on record)."""
    f = features
    out = pd.DataFrame(index=f.index)
    for name in ACTIONABLE:
        if name in DERIVED:
            continue
        col = f[name]
        if col.dtype == bool or str(col.dtype) == "boolean":
            out[name] = _flag(col)
        else:
            out[name] = pd.to_numeric(col, errors="coerce").astype(float)
    for name in TEST_LEVELS if stand_ins else ():
        # No result is not evidence of a low one: a student new to the district in a year
        # without testing (spring 2020) has none. The middle of the four levels stands in,
        # and state_tests_missed_this_year carries the risk of a test missed while enrolled.
        out[name] = out[name].fillna(MISSING_TEST_LEVEL)
    # Of the days missed so far, the share excused: why a student misses school, beside
    # how much (Gottfried 2009); unknown when no day was missed or none is on record.
    absent = out["absence_rate_to_date"]
    share = (absent - out["unexcused_absence_rate_to_date"]) / absent
    out["excused_share_of_absences"] = share.where(absent > 0).clip(0, 1)
    earned = pd.to_numeric(f["credits_earned_to_date"], errors="coerce").astype(float)
    expected = pd.to_numeric(f["credits_expected_to_date"], errors="coerce").astype(float)
    out["credits_behind_to_date"] = (expected - earned).clip(lower=0)
    out["is_male"] = (f["sex"] == "M").astype(float).where(f["sex"].notna())
    race = f["race_ethnicity_reporting_group"]
    for g in RACE_GROUPS:
        out[_race_feature(g)] = (race == g).astype(float).where(race.notna())
    for name in ("is_economically_disadvantaged", "is_english_learner", "has_iep"):
        out[name] = _flag(f[name])
    return out[list(ACTIONABLE) + list(STUDENT_CHARACTERISTICS)]
