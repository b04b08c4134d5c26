"""What every figure of the report is: a key, a title, a drawing and a caption."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from k12ews.report.data import ReportData


@dataclass(frozen=True)
class Plot:
    key: str  # the figure's id on the page
    title: str
    draw: Callable[[ReportData], Figure]
    caption: Callable[[ReportData], str]  # what to read from it, with the figures


def no_data(ax: Axes, message: str) -> None:
    """An empty panel that says why it is empty (a small district, a model not trained)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, transform=ax.transAxes)


def pct(value: float) -> str:
    return "n/a" if value != value else f"{value:.0%}"  # NaN != NaN
