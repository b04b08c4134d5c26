"""Build the report: read the warehouse, draw every figure, write one HTML file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from k12ews.report import data as report_data
from k12ews.report import html, svg
from k12ews.report.plots import PLOTS, Plot

DEFAULT_OUT = Path("target") / "k12ews_report.html"


@dataclass(frozen=True)
class BuildResult:
    path: Path
    seconds: float
    figures: tuple[str, ...]
    bytes: int


def render_figure(plot: Plot, data: report_data.ReportData) -> html.Figure:
    """One figure drawn, captioned and turned into inline SVG."""
    fig = plot.draw(data)
    return html.Figure(plot.key, plot.title, svg.to_svg(fig, plot.key), plot.caption(data))


def build_report(db: Path, out: Path = DEFAULT_OUT) -> BuildResult:
    """The report of the warehouse at ``db``, written to ``out``."""
    t0 = time.perf_counter()
    data = report_data.load(db)
    figures = [render_figure(plot, data) for plot in PLOTS]
    page = html.render(data, figures, time.perf_counter() - t0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return BuildResult(
        path=out,
        seconds=time.perf_counter() - t0,
        figures=tuple(f.key for f in figures),
        bytes=len(page.encode("utf-8")),
    )
