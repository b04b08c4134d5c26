"""How the current risk scores are spread in each school (next-grade success, every band)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from k12ews.report.data import ReportData
from k12ews.report.plots.base import Plot, no_data, pct

OUTCOME = "next_grade_success"  # the one outcome modelled in every band


def by_school(data: ReportData) -> pd.DataFrame:
    """Current scores of the outcome, with each school's median, in order of it."""
    s = data.current_scores
    s = s[s["outcome"] == OUTCOME].copy()
    s["school"] = s["school_name"].fillna(s["school_id"].astype(str))
    s["school_median"] = s.groupby("school")["risk_probability"].transform("median")
    return s.sort_values(["school_median", "school"])


def draw(data: ReportData) -> Figure:
    s = by_school(data)
    schools = list(dict.fromkeys(s["school"]))
    fig = Figure(figsize=(8.0, max(2.5, 0.32 * len(schools) + 1.2)))
    ax = fig.subplots()
    if s.empty:
        no_data(ax, "No current risk scores (no next-grade model was trained).")
        return fig
    values = [s.loc[s["school"] == name, "risk_probability"].to_numpy() for name in schools]
    ax.boxplot(
        values,
        orientation="horizontal",
        tick_labels=schools,
        showfliers=True,
        flierprops={"markersize": 1.5, "alpha": 0.4},
        medianprops={"color": "#c0392b"},
    )
    ax.set_xlim(0, 1)
    ax.set_xlabel("risk of not succeeding in the next grade (calibrated probability)")
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def caption(data: ReportData) -> str:
    s = by_school(data)
    if s.empty:
        return "No current risk scores (no next-grade model was trained)."
    medians = s.groupby("school")["risk_probability"].median().sort_values()
    year = int(s["school_year"].max())
    point = str(s["decision_point"].iloc[0])
    return (
        f"Each row is a school: the box holds the middle half of its students' current "
        f"risk of not succeeding in the next grade ({year - 1}-{str(year)[-2:]}, decision "
        f"point {point}), the red line the median, the whiskers and dots the rest. Read "
        f"where the need is: medians run from {pct(float(medians.iloc[0]))} "
        f"({medians.index[0]}) to {pct(float(medians.iloc[-1]))} ({medians.index[-1]}); a "
        "long right tail is a school with a few students at very high risk."
    )


PLOT = Plot(
    key="risk_by_school",
    title="Risk distribution by school",
    draw=draw,
    caption=caption,
)
