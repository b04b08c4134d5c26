"""The published dropout flags as points in ROC space, with the project's own flags and
the graduation models' curves on the same axes (one panel per band)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from k12ews.report import roc
from k12ews.report.data import ReportData
from k12ews.report.plots.base import Plot, no_data

BAND_TITLE = {
    "middle": "Middle-school model (grades 6-8); flags measured in K-8",
    "high": "High-school model (grades 9-12); flags measured in 9-12",
}


def _project_flags(data: ReportData, grade: int) -> pd.DataFrame:
    flags = data.flag_accuracy
    return flags[
        (flags["method_type"] == "flag")
        & (flags["evaluation_slice"] == f"grade {grade}")
        & flags["sensitivity"].notna()
    ]


def label_positions(
    flags: pd.DataFrame, gap: float = 0.035, dx: float = 0.06
) -> list[tuple[tuple[float, float], tuple[float, float], str]]:
    """Where to write each flag's name: right of its point, pushed up so that no two
    labels are closer than ``gap`` (sensitivity units)."""
    out = []
    last = -1.0
    for r in flags.sort_values("sensitivity").itertuples(index=False):
        x, y = float(r.false_positive_rate), float(r.sensitivity)
        label_y = max(y, last + gap)
        last = label_y
        out.append(((x, y), (min(x + dx, 0.75), label_y), str(r.method).replace("_", " ")))
    return out


def draw(data: ReportData) -> Figure:
    fig = Figure(figsize=(10.5, 5.2))
    axes = fig.subplots(1, 2, sharey=True)
    all_grades = roc.model_curves(data.out_of_time_scores)
    placed = roc.place_literature(data.literature, all_grades)
    for ax, band in zip(axes, roc.BANDS, strict=True):
        grade = roc.FLAG_GRADE[band]
        ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls=":", label="chance")
        lit = placed[placed["band"] == band]
        beaten = lit["is_model_better"].fillna(False).astype(bool)
        ax.scatter(
            lit.loc[beaten, "false_positive_rate"],
            lit.loc[beaten, "sensitivity"],
            s=16,
            color="0.55",
            alpha=0.8,
            label="published flag, below the model",
        )
        ax.scatter(
            lit.loc[~beaten, "false_positive_rate"],
            lit.loc[~beaten, "sensitivity"],
            s=34,
            facecolor="none",
            edgecolor="#c0392b",
            lw=1.2,
            label="published flag, not below the model",
        )
        curve = all_grades.get(band)
        if curve is None:
            no_data(ax, f"No {band}-school graduation model was trained.")
            continue
        ax.step(
            curve["fpr"],
            curve["tpr"],
            where="post",
            color="#1f5fa8",
            lw=1.8,
            label=f"model, grades {'6-8' if band == 'middle' else '9-12'}",
        )
        grade_curve = roc.model_curves(data.out_of_time_scores, grade).get(band)
        if grade_curve is not None:
            ax.step(
                grade_curve["fpr"],
                grade_curve["tpr"],
                where="post",
                color="#1f5fa8",
                lw=1.0,
                ls="--",
                label=f"model, grade {grade} only",
            )
        mine = _project_flags(data, grade)
        ax.scatter(
            mine["false_positive_rate"],
            mine["sensitivity"],
            marker="D",
            s=30,
            color="#e67e22",
            edgecolor="black",
            lw=0.5,
            zorder=5,
            label=f"project's flags, grade {grade}",
        )
        for (x, y), (lx, ly), name in label_positions(mine):
            ax.annotate(
                name,
                (x, y),
                xytext=(lx, ly),
                textcoords="data",
                fontsize=7,
                color="#7f3f00",
                va="center",
                arrowprops={"arrowstyle": "-", "color": "#7f3f00", "lw": 0.4},
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("false positive rate (1 - specificity): graduates flagged")
        ax.set_title(BAND_TITLE[band], fontsize=9)
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    axes[0].set_ylabel("sensitivity: non-graduates flagged")
    fig.tight_layout()
    return fig


def caption(data: ReportData) -> str:
    curves = roc.model_curves(data.out_of_time_scores)
    placed = roc.place_literature(data.literature, curves)
    known = placed[placed["is_model_better"].notna()]
    if known.empty:
        return (
            "No graduation model was trained on this warehouse (too few cohorts with known "
            "outcomes), so only the published flags are shown."
        )
    better = int(known["is_model_better"].astype(bool).sum())
    mine = roc.place_project_flags(data.flag_accuracy, data.out_of_time_scores)
    mine_better = int(mine["is_model_better"].fillna(False).astype(bool).sum())
    return (
        "Each grey dot is one of the 110 published dropout flags (Bowers, Sprott & Taff "
        "2013): how many graduates it flags (left to right) against how many "
        "non-graduates it catches (bottom to top). Up and to the left is better. The blue "
        "step line is the end-of-year graduation model on its out-of-time cohort; every "
        f"point on it is a threshold a school could use. Read: the model catches more "
        f"non-graduates than {better} of the {len(known)} published flags at the same "
        f"false positive rate; the {len(known) - better} circled in red it does not (listed "
        "below the figure). The orange diamonds are the project's own flags in grade 6 or 9 "
        "of the same cohort, the dashed line the model on that grade; at each flag's false "
        f"positive rate the model catches more non-graduates than {mine_better} of the "
        f"{len(mine)}."
    )


PLOT = Plot(
    key="roc_space",
    title="The published flags, the project's flags and the models in ROC space",
    draw=draw,
    caption=caption,
)
