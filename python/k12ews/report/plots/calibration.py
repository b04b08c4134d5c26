"""Calibration curves per band: the share of students who did not reach an outcome
against the risk the model gave them, on the out-of-time cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from k12ews.ml.risk import metrics
from k12ews.ml.vocabulary import BANDS, OUTCOME_LABELS
from k12ews.report.data import ReportData
from k12ews.report.plots.base import Plot, no_data

DECISION_POINT = "eoy"
BINS = 10


def curves(data: ReportData) -> pd.DataFrame:
    """Equal-count bins per band and outcome (end-of-year scoring models)."""
    s = data.out_of_time_scores
    s = s[(s["decision_point"] == DECISION_POINT) & s["is_scoring_model"].astype(bool)]
    parts = []
    for (band, outcome), g in s.groupby(["grade_band", "outcome"], sort=True):
        table = metrics.calibration_table(g["is_adverse_outcome"], g["risk_probability"], BINS)
        table["grade_band"] = band
        table["outcome"] = outcome
        parts.append(table)
    columns = ["grade_band", "outcome", "bin", "students", "mean_predicted", "observed_rate"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def draw(data: ReportData) -> Figure:
    table = curves(data)
    fig = Figure(figsize=(10.5, 3.8))
    axes = fig.subplots(1, len(BANDS), sharey=True)
    for ax, band in zip(axes, BANDS, strict=True):
        ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls=":", label="perfect calibration")
        mine = table[table["grade_band"] == band]
        if mine.empty:
            no_data(ax, f"No {band} model was trained.")
            continue
        for outcome, g in mine.groupby("outcome", sort=True):
            ax.plot(
                g["mean_predicted"],
                g["observed_rate"],
                marker="o",
                ms=3,
                lw=1.2,
                label=OUTCOME_LABELS.get(str(outcome), str(outcome)),
            )
        top = float(np.nanmax(mine[["mean_predicted", "observed_rate"]].to_numpy()))
        lim = min(1.0, max(0.1, top * 1.1))
        ax.set_xlim(0, lim)
        ax.set_ylim(0, lim)
        ax.set_title(f"{band} band, end of year", fontsize=9)
        ax.set_xlabel("mean predicted risk (10 equal-count groups)")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
    axes[0].set_ylabel("observed rate of the adverse outcome")
    fig.tight_layout()
    return fig


def caption(data: ReportData) -> str:
    table = curves(data)
    if table.empty:
        return "No model was trained on this warehouse, so there is nothing to calibrate."
    gap = (table["observed_rate"] - table["mean_predicted"]).abs()
    worst = table.loc[gap.idxmax()]
    weighted = float((gap * table["students"]).sum() / table["students"].sum())
    return (
        "Each point is a tenth of the out-of-time cohort, ranked by the risk the end-of-year "
        "model gave them: the mean risk (left to right) against the share who then did not "
        "reach the outcome (bottom to top). On the dotted diagonal a risk of 30% means 30 in "
        f"100. Read: across bands and outcomes the groups sit {weighted:.3f} from the "
        f"diagonal on average (student-weighted); the largest gap is "
        f"{float(gap.max()):.3f}, in the {worst['grade_band']} band's "
        f"{OUTCOME_LABELS.get(str(worst['outcome']), worst['outcome'])} model, for students "
        f"given about {float(worst['mean_predicted']):.0%}."
    )


PLOT = Plot(
    key="calibration",
    title="Calibration curves per band",
    draw=draw,
    caption=caption,
)
