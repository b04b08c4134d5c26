"""The outcomes, grade bands and decision points every part of ``k12ews.ml`` names, and
the words each is said in, declared once.

The outcome words come in the three forms the product's sentences need, each shown in a
table of its own, so each form is kept as those tables say it:

- ``OUTCOME_PAST``: what a share of students did ("Of 120 students scored High ..., 41%
  did not graduate on time": the tier meanings of ``ml_model_registry``);
- ``OUTCOME_RISK``: the adverse outcome as a chance ("it lowered the chance of not
  graduating on time by ...": the reasons of ``ews_intervention_plan``);
- ``OUTCOME_COUNTERFACTUAL``: what the treated would have done without the service, and
  the verb of what they did ("18% would not have graduated on time without it, 12% did
  not": the sentences of ``ml_intervention_effects``).
"""

from __future__ import annotations

NEXT_GRADE = "next_grade_success"
GRADUATION = "on_time_graduation"
READING = "grade_3_reading"
OUTCOMES = (NEXT_GRADE, GRADUATION, READING)

BANDS = ("elementary", "middle", "high")
# band -> its grades (K = 0), as the band marts cut them
BAND_GRADES: dict[str, tuple[int, int]] = {"elementary": (0, 5), "middle": (6, 8), "high": (9, 12)}

DECISION_POINTS = ("q1", "q2", "q3", "eoy")
# decision point -> its place in the school year
DP_ORDER = {"q1": 1, "q2": 2, "q3": 3, "eoy": 4}


def grade_band(grade_level: int) -> str:
    """The band of a grade (K = 0)."""
    return "elementary" if grade_level <= 5 else "middle" if grade_level <= 8 else "high"


# In a chart's legend or a heading.
OUTCOME_LABELS = {
    NEXT_GRADE: "next-grade success",
    GRADUATION: "on-time graduation",
    READING: "grade-3 reading",
}
OUTCOME_PAST = {
    GRADUATION: "did not graduate on time",
    NEXT_GRADE: "did not succeed in the next grade",
    READING: "were not proficient on the grade-3 reading test",
}
OUTCOME_RISK = {
    GRADUATION: "not graduating on time",
    READING: "not reading proficiently on the grade-3 state test",
    NEXT_GRADE: "not finishing the year ready for the next grade",
}
OUTCOME_COUNTERFACTUAL: dict[str, tuple[str, str]] = {
    GRADUATION: ("would not have graduated on time", "did not"),
    NEXT_GRADE: (
        "would have been held back, dropped out, missed school chronically or failed a "
        "core course the next year",
        "did",
    ),
    READING: ("would not have read proficiently on the grade-3 state test", "did not"),
}

# "a middle-school student"
BAND_ADJECTIVES = {
    "elementary": "elementary-school",
    "middle": "middle-school",
    "high": "high-school",
}
# "started in middle school"
BAND_PLACES = {
    "elementary": "in elementary school",
    "middle": "in middle school",
    "high": "in high school",
}
