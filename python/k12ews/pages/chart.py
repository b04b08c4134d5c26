"""The risk trajectory as a small inline SVG line chart: one line per outcome, the risk
(0-100%) at each scoring point, drawn by hand (no library, no script) so one student's
page builds in milliseconds and prints as vectors."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 150, 12, 38
# distinguishable in print (grey scale) by dash as well as colour
STYLES = (("#1f5fa8", ""), ("#b4521c", "6 3"), ("#3b7d3b", "2 3"))


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if n == 1 else span * i / (n - 1))


def _y(p: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, min(1.0, p)))


def _group(point: str) -> str:
    return point.split(" ", 1)[0]


def trajectory_svg(points: Sequence[str], lines: Sequence[Line], title: str) -> str:
    """The chart of ``lines`` (a value per point, None where not scored) over ``points``."""
    n = len(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{html.escape(title)}" '
        'class="trajectory">'
    ]
    for p in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(p)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 3:.1f}" text-anchor="end" font-size="10">'
            f"{p:.0%}</text>"
        )
    # a label where a group starts (a school year: the text before the first space), at
    # most about eight of them
    starts = [i for i, p in enumerate(points) if i == 0 or _group(p) != _group(points[i - 1])]
    step = max(1, (len(starts) + 7) // 8)
    for i in starts[::step]:
        parts.append(
            f'<text x="{_x(i, n):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="start" '
            f'font-size="9">{html.escape(_group(points[i]))}</text>'
        )
    for k, line in enumerate(lines):
        colour, dash = STYLES[k % len(STYLES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        known = [(i, v) for i, v in enumerate(line.values) if v is not None]
        if len(known) > 1:
            coords = " ".join(f"{_x(i, n):.1f},{_y(v):.1f}" for i, v in known)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dashed}/>'
            )
        for i, v in known:
            parts.append(
                f'<circle cx="{_x(i, n):.1f}" cy="{_y(v):.1f}" r="3" fill="{colour}">'
                f"<title>{html.escape(line.label)}, {html.escape(points[i])}: {v:.0%}</title>"
                "</circle>"
            )
        y = TOP + 14 * k + 8
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 10}" x2="{WIDTH - RIGHT + 30}" y1="{y}" y2="{y}" '
            f'stroke="{colour}" stroke-width="2"{dashed}/>'
            f'<text x="{WIDTH - RIGHT + 34}" y="{y + 3}" font-size="10">'
            f"{html.escape(line.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
