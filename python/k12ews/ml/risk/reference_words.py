"""The typical student an explanation is measured against, in words.

``typical_clause(feature, value, grade)`` says what the typical student of the grade had
at the same decision point ("a typical grade-9 student has missed 5% of days so far"),
and ``WEIGHED[direction]`` what the model made of the student's own value beside it. The
sentence in ``ml_risk_explanations`` is the fact (``k12ews.ml.risk.sentences``), then these:
"Missed 12 of 65 school days this year (18%); a typical grade-9 student has missed 5% of
days so far. The model weighed this as raising the risk."
"""

from __future__ import annotations

import math

from k12ews.ml.risk.sentences import PERFORMANCE_LEVELS


def _pct(v: float) -> str:
    return f"{v:.0%}"


def _count(v: float, noun: str) -> str:
    n = round(v)
    if n == 0:
        return f"no {noun}s"
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _level(v: float) -> str:
    if v != int(v):  # a median between two levels
        low, high = PERFORMANCE_LEVELS.get(int(v), ""), PERFORMANCE_LEVELS.get(int(v) + 1, "")
        return f"level {v:g} (between {low} and {high})"
    return f"level {v:g} ({PERFORMANCE_LEVELS.get(int(v), '')})"


def _text(feature: str, v: float) -> str:
    """What the typical student had, after "a typical grade-9 student ..."."""
    rates = {
        "absence_rate_to_date": "has missed {} of days so far this year",
        "unexcused_absence_rate_to_date": "has missed {} of days without an excuse so far",
        "tardy_rate_to_date": "has arrived late on {} of days so far",
        "latest_quarter_absence_rate": "missed {} of days in the latest quarter",
        "prior_year_absence_rate": "missed {} of days last year",
    }
    if feature in rates:
        return rates[feature].format(_pct(v))
    if feature == "excused_share_of_absences":
        return f"had {_pct(v)} of the days missed so far excused"
    counts = {
        "core_failures_to_date": ("has {} so far", "failing core mark"),
        "math_failures_to_date": ("has {} so far", "failing math mark"),
        "ela_failures_to_date": ("has {} so far", "failing English mark"),
        "prior_year_core_failures": ("had {} last year", "failing core mark"),
        "incidents_to_date": ("has {} this year", "behaviour incident"),
        "out_of_school_suspensions_to_date": ("has {} this year", "out-of-school suspension"),
        "prior_year_incidents": ("had {} last year", "behaviour incident"),
        "prior_year_out_of_school_suspensions": ("had {} last year", "out-of-school suspension"),
        "school_changes_this_year_to_date": ("has made {} this year", "school change"),
        "school_changes_before_this_year": ("made {} in earlier years", "school change"),
        "state_tests_missed_this_year": ("has missed {} this year", "state test"),
        "service_spells_this_year_to_date": ("has started {} this year", "support service"),
        "service_spells_before_this_year": ("received {} in earlier years", "support service"),
    }
    if feature in counts:
        template, noun = counts[feature]
        return template.format(_count(v, noun))
    if feature == "times_retained":
        return "has never repeated a grade" if v == 0 else f"has repeated a grade {v:g} time(s)"
    if feature == "gpa_to_date":
        return f"has a GPA of {v:.1f} so far"
    if feature == "prior_year_gpa":
        return f"had a GPA of {v:.1f} last year"
    if feature == "credits_behind_to_date":
        return "is on pace in credits" if v <= 0 else f"is {v:g} credits behind"
    if feature in ("latest_reading_level", "latest_math_level"):
        subject = "reading" if feature == "latest_reading_level" else "math"
        return f"scored {_level(v)} on the latest state {subject} test"
    if feature == "highest_mtss_tier_this_year_to_date":
        return f"receives tier {v:g} MTSS support"
    flags = {
        "is_late_entry": ("enrolled late this year", "enrolled from the start of the year"),
        "is_new_to_district": ("is new to the district", "was in the district before"),
        "is_over_age_for_grade": ("is older than expected", "is the expected age"),
        "is_male": ("is male", "is female"),
        "is_economically_disadvantaged": (
            "qualifies for free or reduced-price lunch",
            "does not qualify for free or reduced-price lunch",
        ),
        "is_english_learner": ("is an English learner", "is not an English learner"),
        "has_iep": ("has an IEP", "has no IEP"),
    }
    if feature in flags:
        return flags[feature][0] if v >= 0.5 else flags[feature][1]
    if feature.startswith("race_"):
        group = feature.removeprefix("race_").replace("_", " ")
        return f"is reported as {group}" if v >= 0.5 else f"is not reported as {group}"
    return f"has {v:g}"


# What the typical student has when fewer than half the grade has a value on record.
_NONE: dict[str, str] = {
    "gpa_to_date": "has no letter grades yet at this point",
    "prior_year_gpa": "has no letter-grade GPA from last year",
    "prior_year_absence_rate": "has no attendance record from last year",
    "excused_share_of_absences": "has missed no school days so far",
    "prior_year_core_failures": "has no core marks from last year",
    "latest_reading_level": "has no state reading test result yet",
    "latest_math_level": "has no state math test result yet",
    "highest_mtss_tier_this_year_to_date": "receives no MTSS support",
    "credits_behind_to_date": "has no high-school credits on record",
}


def grade_words(grade: int | None) -> str:
    if grade is None or grade < 0:
        return "a typical student of the band"
    return "a typical kindergartener" if grade == 0 else f"a typical grade-{grade} student"


def typical_clause(feature: str, value: float | None, grade: int | None) -> str:
    """ "a typical grade-9 student has missed 5% of days so far this year"."""
    who = grade_words(grade)
    if feature == "grade_level":
        return f"compared with {who.replace('a typical', 'other').replace('student', 'students')}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{who} {_NONE.get(feature, 'has no value on record')}"
    return f"{who} {_text(feature, float(value))}"


WEIGHED = {
    "raises": "The model weighed this as raising the risk.",
    "lowers": "The model weighed this as lowering the risk.",
    "none": "The model weighed this as neither raising nor lowering the risk.",
}
