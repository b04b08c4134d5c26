"""The plan's words (k12ews.ml.plan.plan): why a service, in K-12 words, and each student's top
reasons from the explanations."""

from __future__ import annotations

import pandas as pd

from k12ews.ml.risk.reference_words import grade_words
from k12ews.ml.vocabulary import BAND_ADJECTIVES, OUTCOME_RISK

# service domain (seed xwalk_services) -> the indicator groups (k12ews.ml.risk.features) it works on
DOMAIN_GROUPS = {
    "attendance": ("attendance",),
    "academic": ("grades", "credits", "assessments"),
    "behaviour": ("behaviour",),
    "social-emotional": ("behaviour", "attendance"),
}
DOMAIN_WORDS = {
    "academic": "schoolwork",
    "attendance": "attendance",
    "behaviour": "behaviour",
    "social-emotional": "social and emotional needs",
}


def _points(x: float) -> str:
    return f"{100 * x:.1f}"


def why_sentence(row: pd.Series, reason_groups: set[str]) -> str:
    """Why this service, in K-12 words, from the estimate and the student's own risk."""
    desc = str(row["service_description"])
    others = int(row["helpful_services_count"]) - 1
    lead = (
        f"{desc} is the one a place adds most with, of the {others + 1} clearly helpful "
        f"services open to this student ({row['helpful_services_open']})"
        if others > 0
        else f"{desc} is the one service open to this student whose effect is clearly helpful"
    )
    band = BAND_ADJECTIVES.get(str(row["start_grade_band"]), str(row["start_grade_band"]))
    after = float(row["risk_probability"]) - float(row["benefit"])
    q = row["effect_start_quarter"]
    when = "in any quarter of the year" if pd.isna(q) else f"in quarter {int(q)}"
    text = (
        f"{lead}. Among {band} students who started it {when}, "
        f"it lowered the chance of {OUTCOME_RISK[str(row['outcome'])]} by "
        f"{_points(-float(row['effect']))} points on average (95% interval "
        f"{_points(-float(row['effect_ci_high']))} to {_points(-float(row['effect_ci_low']))}); "
        f"for this student that is from {100 * float(row['risk_probability']):.0f}% to "
        f"{100 * after:.0f}%."
    )
    chance = float(row.get("chance_started_anyway", 0.0) or 0.0)
    if chance >= 0.005:
        text += (
            f" The school starts it anyway for about {100 * chance:.0f}% of students like "
            f"this one, so a place adds {_points(float(row['added_benefit']))} points."
        )
    works_on = DOMAIN_GROUPS.get(str(row["service_domain"]), ())
    if reason_groups & set(works_on):
        domain = DOMAIN_WORDS.get(str(row["service_domain"]), str(row["service_domain"]))
        text += f" It works on {domain}, where this student's top reasons lie."
    return text


def no_raising_reason(grade: int) -> str:
    """The reason given when no indicator raises the student's risk above the typical
    student's of the grade: the risk is the grade's own."""
    return (
        f"No indicator raises this student's risk above that of {grade_words(grade)}: "
        "the risk is the grade's own."
    )


def top_reasons(explanations: pd.DataFrame, top: int) -> pd.DataFrame:
    """The top ``top`` factors raising each student's risk (ml_risk_explanations), as
    their sentences joined by "; ", and their indicator groups."""
    e = explanations[explanations["rank_raising"].notna() & (explanations["rank_raising"] <= top)]
    e = e.sort_values(["student_id", "school_year", "outcome", "rank_raising"])
    keys = ["student_id", "school_year", "outcome"]
    g = e.groupby(keys)
    return pd.DataFrame(
        {
            "top_reasons": g["sentence"].agg(lambda s: "; ".join(str(x) for x in s)),
            "top_reason_groups": g["feature_group"].agg(lambda s: sorted(set(s))),
        }
    ).reset_index()
