"""Subgroup fairness of the high-school graduation model: false positive and false
negative rates of its High tier per student group, on the out-of-time cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from k12ews.report.data import ReportData
from k12ews.report.plots.base import Plot, no_data, pct

GROUP_TYPES = ("race_ethnicity", "free_reduced_lunch", "english_learner", "iep", "sex")
# groups smaller than this are drawn pale: their rates rest on few students
MIN_STUDENTS = 100


def groups(data: ReportData) -> pd.DataFrame:
    """Group rows of the high band's end-of-year scoring graduation model."""
    e = data.group_evaluation
    return e[
        (e["grade_band"] == "high")
        & (e["outcome"] == "on_time_graduation")
        & (e["decision_point"] == "eoy")
        & e["is_scoring_model"].astype(bool)
        & e["group_type"].isin(GROUP_TYPES)
    ].copy()


def draw(data: ReportData) -> Figure:
    g = groups(data)
    fig = Figure(figsize=(10.5, 4.8))
    axes = fig.subplots(1, len(GROUP_TYPES), sharey=True)
    if g.empty:
        for ax in axes:
            no_data(ax, "")
        no_data(axes[len(axes) // 2], "The high-school graduation model was not trained.")
        return fig
    for ax, group_type in zip(axes, GROUP_TYPES, strict=True):
        rows = g[g["group_type"] == group_type].sort_values("group_value")
        x = np.arange(len(rows))
        alpha = np.where(rows["students"] >= MIN_STUDENTS, 1.0, 0.35)
        for offset, column, color in (
            (-0.2, "false_positive_rate", "#e67e22"),
            (0.2, "false_negative_rate", "#1f5fa8"),
        ):
            bars = ax.bar(x + offset, rows[column], width=0.4, color=color)
            for bar, a in zip(bars, alpha, strict=True):
                bar.set_alpha(float(a))
        labels = [
            f"{v}\n(n={int(n)})" for v, n in zip(rows["group_value"], rows["students"], strict=True)
        ]
        ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=6.5)
        ax.set_title(group_type.replace("_", " "), fontsize=9)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("rate (High tier as the flag)")
    axes[0].legend(
        handles=[
            Patch(color="#e67e22", label="false positive rate"),
            Patch(color="#1f5fa8", label="false negative rate"),
        ],
        loc="upper left",
        fontsize=7,
        frameon=False,
    )
    fig.tight_layout()
    return fig


def caption(data: ReportData) -> str:
    g = groups(data)
    if g.empty:
        return "The high-school graduation model was not trained, so there is nothing to compare."
    big = g[g["students"] >= MIN_STUDENTS]
    spread = big.groupby("group_type")["false_negative_rate"].agg(["min", "max"])
    spread["gap"] = spread["max"] - spread["min"]
    worst = spread["gap"].idxmax()
    lo, hi = spread.loc[worst, "min"], spread.loc[worst, "max"]
    return (
        "For the end-of-year high-school graduation model with the High tier as the flag: "
        "orange, the share of students who graduated on time but were flagged (false "
        "positive rate); blue, the share who did not graduate but were not flagged (false "
        "negative rate), per student group, with its number of students. Read gaps between "
        "the groups of a panel: a group with a higher blue bar has more of its non-graduates "
        f"missed. Among groups of at least {MIN_STUDENTS} students the widest gap in false "
        f"negative rate is by {str(worst).replace('_', ' ')} ({pct(float(lo))} to "
        f"{pct(float(hi))}). Pale bars rest on fewer students and are noisy."
    )


PLOT = Plot(
    key="subgroup_fairness",
    title="Subgroup fairness of the high-school graduation model",
    draw=draw,
    caption=caption,
)
