"""Lead time by grade: how early eventual non-graduates are identified, and how surely.

From ``ml_lead_time`` (the panel of grade-6 out-of-time students followed through later
grades on scores the models never learned from) and ``ml_lead_time_statement``.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from k12ews.report.data import ReportData
from k12ews.report.plots.base import Plot, no_data, pct

QUARTERS = {"q1": "Q1", "q2": "Q2", "q3": "Q3", "eoy": "end"}
BASELINE_STYLE = {"linestyle": "--", "lw": 1.0}


def methods(data: ReportData) -> pd.DataFrame:
    """The panel's cumulative figures for the High tier, the statement's model cut and
    each baseline, ordered by grade and decision point."""
    t = data.lead_time
    if t.empty:
        return t
    shown = {"model: High tier"}
    shown |= {m for m in data.lead_time_statement.get("method", pd.Series(dtype=str))}
    shown |= {m for m in t["method"].unique() if str(m).startswith("baseline: ")}
    t = t[t["method"].isin(shown) & t["first_identified_share"].notna()].copy()
    return t.sort_values(["method", "grade_level", "decision_point_order"])


def _x(t: pd.DataFrame) -> pd.Series:
    return (t["grade_level"] - 6) * 4 + t["decision_point_order"] - 1


def draw(data: ReportData) -> Figure:
    t = methods(data)
    fig = Figure(figsize=(8.0, 4.2))
    recall_ax, precision_ax = fig.subplots(1, 2, sharex=True)
    if t.empty:
        no_data(recall_ax, "No lead-time panel: the graduation models have no out-of-time cohort.")
        precision_ax.set_axis_off()
        return fig
    for method, g in t.groupby("method", sort=True):
        style = BASELINE_STYLE if str(method).startswith("baseline: ") else {"lw": 2.0}
        label = str(method).replace("baseline: ", "").replace("model: ", "model ")
        recall_ax.plot(_x(g), g["first_identified_share"], label=label, **style)
        precision_ax.plot(_x(g), g["precision_by_then"], label=label, **style)
    grades = sorted(t["grade_level"].unique())
    ticks = [(g - 6) * 4 + 3 for g in grades]
    for ax in (recall_ax, precision_ax):
        ax.set_xticks(ticks, [f"end of {g}" for g in grades], rotation=45, fontsize=7)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    recall_ax.set_ylabel("eventual non-graduates identified by then")
    precision_ax.set_ylabel("precision by then (flagged who did not graduate)")
    precision_ax.axhline(0.5, color="grey", lw=0.8)
    recall_ax.legend(fontsize=6, frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def caption(data: ReportData) -> str:
    t = methods(data)
    s = data.lead_time_statement
    if t.empty or s.empty:
        return "No lead-time panel yet: the graduation models have no out-of-time cohort."
    first = s.sort_values("by_end_of_grade").iloc[0]
    parts = [
        f"end of grade {int(r.by_end_of_grade)}: {pct(float(r.share_identified))} "
        f"(precision {float(r.precision_by_then):.2f}, {r.method})"
        for r in s.sort_values("by_end_of_grade").itertuples()
    ]
    return (
        f"The {int(first.non_graduates)} students of the lead-time panel (grade 6 in "
        f"{first.panel_school_years}) who did not graduate on time, and when each flag first "
        "identified them (left), with the share of everyone it had flagged by then who did "
        "not graduate (right; the grey line is 0.5). Read left to right: a line that rises "
        "early finds students years ahead; the right panel says how many others it flagged "
        "along the way. At a precision of at least 0.5, the share identified by the "
        + "; ".join(parts)
        + ". Dashed lines are the usual flags (Balfanz ABC, chronic absence, Chicago "
        "on-track, last year's GPA); they accumulate many false alarms over the years. "
        "One panel of two school years: small, and the cut is chosen on it."
    )


PLOT = Plot(
    key="lead_time_by_grade",
    title="Lead time by grade",
    draw=draw,
    caption=caption,
)
