"""Each risk factor in words a counsellor uses, built from the student's own values.

``describe(feature, row)`` turns one ``ml_features`` row into a sentence about one
indicator: "Missed 19 of 160 school days this year (12%)", "Failed 2 core course marks so
far this year: Algebra I (semester 1); Biology (semester 1)", "Changed schools twice this
year". The sentence states the fact; whether it raises or lowers the risk comes from the
model's contribution (``ml_risk_explanations.direction``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

PERFORMANCE_LEVELS = {1: "below basic", 2: "basic", 3: "proficient", 4: "advanced"}

Row = Mapping[str, object]


def _num(row: Row, key: str) -> float | None:
    v = row.get(key)
    if v is None:
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _flag(row: Row, key: str) -> bool | None:
    v = row.get(key)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return bool(v)


def _days(x: float) -> str:
    return f"{x:g}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def _grade(g: float | None) -> str:
    if g is None:
        return "their grade"
    return "kindergarten" if g == 0 else f"grade {g:g}"


def _absence(row: Row) -> str:
    days = _num(row, "days_enrolled_to_date")
    absent = _num(row, "days_absent_to_date")
    if not days:
        return "No school days enrolled yet this year"
    absent = absent or 0
    return f"Missed {_days(absent)} of {_days(days)} school days this year ({absent / days:.0%})"


def _unexcused(row: Row) -> str:
    rate = _num(row, "unexcused_absence_rate_to_date")
    days = _num(row, "days_enrolled_to_date")
    if rate is None or not days:
        return "No school days enrolled yet this year"
    missed = _days(round(rate * days, 1))
    return f"Missed {missed} school days this year without an excuse ({rate:.0%})"


def _excused_share(row: Row) -> str:
    absent = _num(row, "days_absent_to_date")
    rate = _num(row, "unexcused_absence_rate_to_date")
    days = _num(row, "days_enrolled_to_date")
    if not absent or rate is None or not days:
        return "No school days missed so far this year"
    excused = round(max(absent - rate * days, 0.0), 1)
    verb = "was" if excused == 1 else "were"
    return (
        f"Of the {_days(absent)} school days missed this year, {_days(excused)} {verb} "
        f"excused ({excused / absent:.0%})"
    )


def _tardy(row: Row) -> str:
    rate = _num(row, "tardy_rate_to_date")
    days = _num(row, "days_enrolled_to_date")
    if rate is None or not days:
        return "No school days enrolled yet this year"
    return f"Arrived late on {_days(round(rate * days))} of {_days(days)} school days this year"


def _latest_quarter(row: Row) -> str:
    rate = _num(row, "latest_quarter_absence_rate")
    q = _num(row, "decision_point_order")
    quarter = f"quarter {q:g}" if q else "the latest quarter"
    if rate is None:
        return f"No school days enrolled in {quarter}"
    return f"Missed {rate:.0%} of school days in {quarter}"


def _prior_absence(row: Row) -> str:
    rate = _num(row, "prior_year_absence_rate")
    if rate is None:
        return "Not enrolled in the district last year (no attendance record)"
    return f"Missed {rate:.0%} of school days last year"


def _core_failures(row: Row) -> str:
    n = _num(row, "core_failures_to_date") or 0
    marks = _num(row, "core_marks_to_date") or 0
    if not marks:
        return "No term marks yet this year"
    if not n:
        return "No failing marks in core courses so far this year"
    what = row.get("core_failures_described") or ""
    early = (_num(row, "grade_level") or 0) <= 2
    noun = "core marks of 1 (beginning)" if early else "failing core course marks"
    if n == 1:
        noun = "core mark of 1 (beginning)" if early else "failing core course mark"
    return f"Has {n:g} {noun} so far this year: {what}".rstrip(": ")


def _subject_failures(subject: str, key: str) -> Callable[[Row], str]:
    def f(row: Row) -> str:
        n = _num(row, key) or 0
        if not (_num(row, "core_marks_to_date") or 0):
            return f"No {subject} marks yet this year"
        if not n:
            return f"No failing {subject} marks so far this year"
        return f"Failed {subject} {_times(int(n))} so far this year"

    return f


def _gpa(row: Row) -> str:
    g = _num(row, "gpa_to_date")
    return "No letter grades yet this year" if g is None else f"GPA of {g:.1f} so far this year"


def _prior_gpa(row: Row) -> str:
    g = _num(row, "prior_year_gpa")
    return "No letter-grade GPA from last year" if g is None else f"GPA of {g:.1f} last year"


def _prior_failures(row: Row) -> str:
    n = _num(row, "prior_year_core_failures")
    if n is None:
        return "No core course marks from last year"
    if not n:
        return "No failing core marks last year"
    return f"Had {_plural(n, 'failing core mark')} last year"


def _credits(row: Row) -> str:
    earned = _num(row, "credits_earned_to_date")
    expected = _num(row, "credits_expected_to_date")
    if earned is None or expected is None:
        return "No high-school credits on record"
    behind = max(expected - earned, 0)
    if behind <= 0:
        return (
            f"On pace for graduation with {earned:g} credits earned (expected {expected:g} by now)"
        )
    return f"Has earned {earned:g} of the {expected:g} credits expected by now ({behind:g} behind)"


def _incidents(row: Row) -> str:
    n = _num(row, "incidents_to_date") or 0
    if not n:
        return "No behaviour incidents this year"
    return f"Involved in {_plural(n, 'behaviour incident')} this year"


def _oss(row: Row) -> str:
    n = _num(row, "out_of_school_suspensions_to_date") or 0
    if not n:
        return "No out-of-school suspensions this year"
    return f"Suspended out of school {_times(int(n))} this year"


def _prior_incidents(row: Row) -> str:
    n = _num(row, "prior_year_incidents")
    if n is None:
        return "No behaviour record from last year"
    return (
        "No behaviour incidents last year"
        if not n
        else f"Involved in {_plural(n, 'behaviour incident')} last year"
    )


def _prior_oss(row: Row) -> str:
    n = _num(row, "prior_year_out_of_school_suspensions")
    if n is None:
        return "No behaviour record from last year"
    return (
        "No out-of-school suspensions last year"
        if not n
        else f"Suspended out of school {_times(int(n))} last year"
    )


def _changes(row: Row) -> str:
    n = int(_num(row, "school_changes_this_year_to_date") or 0)
    return (
        "Has stayed at one school this year" if not n else f"Changed schools {_times(n)} this year"
    )


def _late(row: Row) -> str:
    return (
        "Enrolled late this year"
        if _flag(row, "is_late_entry")
        else "Enrolled from the start of the year"
    )


def _new(row: Row) -> str:
    return (
        "New to the district this year"
        if _flag(row, "is_new_to_district")
        else "Was in the district before this year"
    )


def _earlier_changes(row: Row) -> str:
    n = _num(row, "school_changes_before_this_year")
    if n is None:
        return "No earlier school history in the district"
    n_i = int(n)
    return (
        "No school changes in earlier years"
        if not n_i
        else f"Changed schools {_times(n_i)} in earlier years"
    )


def _test(subject: str, level_key: str, grade_key: str) -> Callable[[Row], str]:
    def f(row: Row) -> str:
        level = _num(row, level_key)
        if level is None:
            return f"No state {subject} test result yet"
        desc = PERFORMANCE_LEVELS.get(int(level), "")
        grade = _grade(_num(row, grade_key))
        return f"Scored level {level:g} ({desc}) on the {grade} state {subject} test"

    return f


def _missed_tests(row: Row) -> str:
    n = int(_num(row, "state_tests_missed_this_year") or 0)
    if not n:
        return "Has not missed a state test this year"
    return f"Missed {_plural(n, 'state test')} this year while enrolled"


def _retained(row: Row) -> str:
    n = int(_num(row, "times_retained") or 0)
    return "Has never repeated a grade" if not n else f"Has repeated a grade {_times(n)}"


def _over_age(row: Row) -> str:
    g = _grade(_num(row, "grade_level"))
    if _flag(row, "is_over_age_for_grade"):
        return f"Is older than expected for {g}"
    return f"Is the expected age for {g}"


def _services(row: Row) -> str:
    n = _num(row, "service_spells_this_year_to_date") or 0
    if not n:
        return "Has not started a support service this year"
    return f"Started {_plural(n, 'support service')} this year"


def _tier(row: Row) -> str:
    t = _num(row, "highest_mtss_tier_this_year_to_date")
    return (
        "No MTSS support this year" if t is None else f"Receives tier {t:g} MTSS support this year"
    )


def _earlier_services(row: Row) -> str:
    n = _num(row, "service_spells_before_this_year") or 0
    if not n:
        return "Received no support services in earlier years"
    return f"Received {_plural(n, 'support service')} in earlier years"


def _grade_level(row: Row) -> str:
    return f"Is in {_grade(_num(row, 'grade_level'))}"


def _sex(row: Row) -> str:
    return {"M": "Is male", "F": "Is female"}.get(str(row.get("sex")), "Sex not recorded")


def _race(row: Row) -> str:
    g = row.get("race_ethnicity_reporting_group")
    return f"Race/ethnicity reported as {g}" if g else "Race/ethnicity not reported"


def _yes_no(key: str, yes: str, no: str) -> Callable[[Row], str]:
    def f(row: Row) -> str:
        return yes if _flag(row, key) else no

    return f


DESCRIBERS: dict[str, Callable[[Row], str]] = {
    "grade_level": _grade_level,
    "absence_rate_to_date": _absence,
    "unexcused_absence_rate_to_date": _unexcused,
    "tardy_rate_to_date": _tardy,
    "latest_quarter_absence_rate": _latest_quarter,
    "prior_year_absence_rate": _prior_absence,
    "excused_share_of_absences": _excused_share,
    "core_failures_to_date": _core_failures,
    "math_failures_to_date": _subject_failures("math", "math_failures_to_date"),
    "ela_failures_to_date": _subject_failures("English", "ela_failures_to_date"),
    "gpa_to_date": _gpa,
    "prior_year_gpa": _prior_gpa,
    "prior_year_core_failures": _prior_failures,
    "credits_behind_to_date": _credits,
    "incidents_to_date": _incidents,
    "out_of_school_suspensions_to_date": _oss,
    "prior_year_incidents": _prior_incidents,
    "prior_year_out_of_school_suspensions": _prior_oss,
    "school_changes_this_year_to_date": _changes,
    "is_late_entry": _late,
    "is_new_to_district": _new,
    "school_changes_before_this_year": _earlier_changes,
    "latest_reading_level": _test("reading", "latest_reading_level", "latest_reading_tested_grade"),
    "latest_math_level": _test("math", "latest_math_level", "latest_math_tested_grade"),
    "state_tests_missed_this_year": _missed_tests,
    "times_retained": _retained,
    "is_over_age_for_grade": _over_age,
    "service_spells_this_year_to_date": _services,
    "highest_mtss_tier_this_year_to_date": _tier,
    "service_spells_before_this_year": _earlier_services,
    "is_male": _sex,
    "is_economically_disadvantaged": _yes_no(
        "is_economically_disadvantaged",
        "Qualifies for free or reduced-price lunch",
        "Does not qualify for free or reduced-price lunch",
    ),
    "is_english_learner": _yes_no(
        "is_english_learner", "Is an English learner", "Is not an English learner"
    ),
    "has_iep": _yes_no("has_iep", "Has an IEP", "Has no IEP"),
}


def describe(feature: str, row: Row) -> str:
    """The sentence for ``feature`` from the student's ``ml_features`` row."""
    if feature.startswith("race_"):
        return _race(row)
    try:
        return DESCRIBERS[feature](row)
    except KeyError:
        raise KeyError(f"no sentence for feature {feature!r}") from None
