"""A matplotlib figure as an inline SVG element: no scripts, no external fonts or files.

Text stays text (``svg.fonttype: none``), so the page is small and searchable and the
browser draws it in its own sans-serif font. Element ids are salted with the plot's key,
so several figures on one page never share an id.
"""

from __future__ import annotations

import io
import re

import matplotlib
from matplotlib.figure import Figure

matplotlib.use("Agg")  # never a window, never a display

STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def to_svg(fig: Figure, key: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), labelled with ``key``."""
    buffer = io.StringIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    if start < 0:
        raise ValueError(f"matplotlib wrote no <svg> element for {key!r}")
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", text[start:], count=1, flags=re.DOTALL)
    return re.sub(r"<svg\b", f'<svg role="img" aria-label="{key}" data-plot="{key}"', svg, count=1)
