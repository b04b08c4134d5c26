"""The report's figures, in the order the page shows them.

Each module holds one figure: a ``draw(data) -> Figure`` function and a
``caption(data) -> str`` that says what to read from it, wrapped in a ``Plot``. To add a
figure, write its module and add its ``PLOT`` to ``PLOTS``; the page, the tests and the
browser check pick it up.
"""

from __future__ import annotations

from k12ews.report.plots import (
    calibration,
    chronic_absence,
    fairness,
    lead_time,
    risk_by_school,
    roc_space,
)
from k12ews.report.plots.base import Plot

PLOTS: tuple[Plot, ...] = (
    roc_space.PLOT,
    calibration.PLOT,
    chronic_absence.PLOT,
    risk_by_school.PLOT,
    lead_time.PLOT,
    fairness.PLOT,
)

__all__ = ["PLOTS", "Plot"]
