"""Chronic absence by grade, one line per complete school year."""

from __future__ import annotations

import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from k12ews.report.data import ReportData
from k12ews.report.plots.base import Plot, no_data, pct

GRADE_LABELS = ["K", *[str(g) for g in range(1, 13)]]


def rates(data: ReportData) -> pd.DataFrame:
    """Complete school years: chronic absence rate per grade among rated students."""
    t = data.chronic_absence_by_grade
    t = t[t["is_complete_year"].astype(bool) & (t["students"] > 0)].copy()
    t["rate"] = t["chronically_absent"] / t["students"]
    return t


def draw(data: ReportData) -> Figure:
    t = rates(data)
    fig = Figure(figsize=(7.5, 4.0))
    ax = fig.subplots()
    if t.empty:
        no_data(ax, "No complete school year in this warehouse yet.")
        return fig
    years = sorted(t["school_year"].unique())
    cmap = colormaps["viridis"]
    for i, year in enumerate(years):
        g = t[t["school_year"] == year].sort_values("grade_level")
        latest = year == years[-1]
        ax.plot(
            g["grade_level"],
            g["rate"],
            marker="o" if latest else None,
            ms=3,
            lw=2.2 if latest else 1.0,
            color=cmap(i / max(len(years) - 1, 1)),
            label=f"{year - 1}-{str(year)[-2:]}",
        )
    ax.set_xticks(range(13), GRADE_LABELS)
    ax.set_xlabel("grade")
    ax.set_ylabel("chronically absent (share of rated students)")
    ax.set_ylim(0, None)
    ax.legend(title="school year", fontsize=7, title_fontsize=7, ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def caption(data: ReportData) -> str:
    t = rates(data)
    if t.empty:
        return "No complete school year in this warehouse yet."
    latest = t[t["school_year"] == t["school_year"].max()].set_index("grade_level")["rate"]
    high, low = int(latest.idxmax()), int(latest.idxmin())
    year = int(t["school_year"].max())
    return (
        "Share of students missing 10% or more of their enrolled days (the default "
        "definition), by grade, one line per complete school year; the thick line is the "
        f"latest, {year - 1}-{str(year)[-2:]}. Read the shape: in that year chronic absence "
        f"was highest in grade {GRADE_LABELS[high]} ({pct(float(latest.max()))}) and lowest "
        f"in grade {GRADE_LABELS[low]} ({pct(float(latest.min()))}); lines far above the "
        "others are years when attendance fell district-wide."
    )


PLOT = Plot(
    key="chronic_absence_by_grade",
    title="Chronic absence by grade",
    draw=draw,
    caption=caption,
)
