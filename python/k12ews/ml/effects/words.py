"""An intervention-effect row in K-12 words, from its own numbers (``sentence``)."""

from __future__ import annotations

from k12ews.ml.effects.estimates import Estimate
from k12ews.ml.vocabulary import BAND_PLACES, OUTCOME_COUNTERFACTUAL

QUARTER_WORDS = {
    1: "at the start of the year",
    2: "in the second quarter",
    3: "in the third quarter",
    4: "in the fourth quarter",
}


def _points(x: float) -> str:
    p = round(abs(x) * 100)
    if p == 0:
        return "no difference"
    return f"{p} point{'s' if p != 1 else ''} " + ("fewer" if x < 0 else "more")


def interval_words(low: float, high: float) -> str:
    """'3 to 9 points fewer', '2 to 5 points more', '4 points fewer to 1 point more'."""
    lo, hi = round(low * 100), round(high * 100)
    if hi < 0:
        return f"{-hi} to {-lo} points fewer"
    if lo > 0:
        return f"{lo} to {hi} points more"
    return f"{_points(low)} to {_points(high)}"


def _pct(x: float) -> str:
    return f"{round(x * 100)}%"


def grade_words(grade_band: str, start_grade: int | None) -> str:
    if start_grade is not None:
        return "in kindergarten" if start_grade == 0 else f"in grade {start_grade}"
    return BAND_PLACES.get(grade_band, f"in {grade_band}")


def quarter_words(start_quarter: int | None) -> str:
    if start_quarter is None:
        return "in any quarter"
    return QUARTER_WORDS.get(start_quarter, f"in quarter {start_quarter}")


def sentence(
    service_words: str,
    outcome: str,
    grade_band: str,
    start_grade: int | None,
    start_quarter: int | None,
    est: Estimate | None,
    reason: str | None = None,
) -> str:
    """The row in K-12 words from its own numbers, e.g. "Students who started mentoring
    in grade 9 at the start of the year: 41% would not have graduated on time without
    it, 35% did not; 95% interval 3 to 9 points fewer (naive comparison: 4 points
    more)." """
    who = (
        f"Students who started {service_words} {grade_words(grade_band, start_grade)} "
        f"{quarter_words(start_quarter)}"
    )
    if est is None:
        return f"{who}: no estimate ({reason or 'not estimated'})."
    # "<counterfactual share> <would have ...> without it, <observed share> <did ...>"
    adverse, happened = OUTCOME_COUNTERFACTUAL.get(
        outcome, (f"would have had the adverse {outcome}", "did")
    )
    return (
        f"{who}: {_pct(est.counterfactual_adverse_rate)} {adverse} without it, "
        f"{_pct(est.treated_adverse_rate)} {happened}; 95% interval "
        f"{interval_words(est.ci_low, est.ci_high)} "
        f"(naive comparison with students who did not start it then: "
        f"{_points(est.naive_effect)})."
    )
