"""Exact explanations of additive risk models.

A model is additive in its inputs when its log-odds is a constant plus one function per
input column: f(x) = c + g_1(x_1) + ... + g_p(x_p). The regularised logistic pipeline
(impute, missing-value indicator, scale, logistic regression) is additive per input
column, and so is a gradient-boosted model whose trees may each split on one column only
(``interaction_cst``): an explainable boosting machine. For such a model each column's
contribution is read off the model itself by substitution:

    g_i(x_i) - g_i(r_i) = f(r with column i set to x_i) - f(r)

for a fixed reference student r. Centring each column's contribution on its average over
the training students makes "positive" read "raises this student's risk above the typical
student's", and gives

    f(x) = base_value + sum_i contribution_i(x)       (exactly, up to rounding)

which ``AdditiveExplainer.contributions`` checks for every student it explains: a model
that is not additive fails loudly instead of giving approximate explanations. Platt
calibration (a * f + b) scales the contributions by ``a`` and moves the base value to
``a * base_value + b`` (``calibrated``), so explanations stay exact on the calibrated
scale the scores are reported on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LogitFunction = Callable[[np.ndarray], np.ndarray]

# Rounding of tree leaves and of the logistic sum stays many orders below this.
ADDITIVITY_TOLERANCE = 1e-7


class NotAdditiveError(ValueError):
    """The model's output is not the sum of per-column contributions."""


def _substituted(logit: LogitFunction, x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Matrix of f(r with column i set to x_i) - f(r), one column per input.

    g_i depends on x_i alone, so the model is evaluated once per distinct value of each
    column (one batch for all columns) and the results are mapped back to the students.
    """
    n, p = x.shape
    if n == 0:
        return np.zeros((0, p))
    uniques, inverses = [], []
    for i in range(p):
        vals, inv = np.unique(x[:, i], return_inverse=True, equal_nan=True)
        uniques.append(vals)
        inverses.append(inv.reshape(-1))
    sizes = [len(u) for u in uniques]
    stacked = np.tile(reference, (sum(sizes) + 1, 1))  # last row: the reference itself
    start = 0
    for i, vals in enumerate(uniques):
        stacked[start : start + len(vals), i] = vals
        start += len(vals)
    values = logit(stacked)
    ref_logit = values[-1]
    out = np.empty((n, p))
    start = 0
    for i, size in enumerate(sizes):
        out[:, i] = values[start : start + size][inverses[i]] - ref_logit
        start += size
    return out


@dataclass
class AdditiveExplainer:
    """Contributions and base value of an additive model, on its log-odds scale."""

    reference: np.ndarray  # one reference student, NaN where the value is missing
    offsets: np.ndarray  # per column: training mean of g_i(x_i) - g_i(r_i)
    base_value: float  # f(r) + sum(offsets): the log-odds of the typical student
    scale: float = 1.0  # Platt slope a
    shift: float = 0.0  # Platt intercept b

    @classmethod
    def fit(
        cls, logit: LogitFunction, x_train: np.ndarray, max_rows: int = 20000
    ) -> AdditiveExplainer:
        """Reference = column medians (missing when a column is mostly missing)."""
        x_train = np.asarray(x_train, dtype=float)
        reference = np.full(x_train.shape[1], np.nan)
        for i in range(x_train.shape[1]):
            col = x_train[:, i]
            if np.isnan(col).mean() < 0.5:
                reference[i] = float(np.nanmedian(col))
        sample = x_train[:max_rows]  # the training rows come in a fixed order
        raw = _substituted(logit, sample, reference)
        offsets = raw.mean(axis=0)
        base = float(logit(reference.reshape(1, -1))[0]) + float(offsets.sum())
        return cls(reference=reference, offsets=offsets, base_value=base)

    def calibrated(self, slope: float, intercept: float) -> AdditiveExplainer:
        return AdditiveExplainer(
            reference=self.reference,
            offsets=self.offsets,
            base_value=self.base_value,
            scale=slope,
            shift=intercept,
        )

    @property
    def calibrated_base_value(self) -> float:
        return self.scale * self.base_value + self.shift

    def contributions(self, logit: LogitFunction, x: np.ndarray) -> np.ndarray:
        """Per student and column, the contribution to the calibrated log-odds.

        Raises NotAdditiveError when base value plus contributions misses the model's own
        output by more than ADDITIVITY_TOLERANCE for any student.
        """
        x = np.asarray(x, dtype=float)
        if len(x) == 0:
            return np.zeros((0, len(self.reference)))
        raw = _substituted(logit, x, self.reference)
        contrib = self.scale * (raw - self.offsets)
        direct = self.scale * logit(x) + self.shift
        gap = np.abs(self.calibrated_base_value + contrib.sum(axis=1) - direct)
        if gap.max() > ADDITIVITY_TOLERANCE:
            raise NotAdditiveError(
                f"base value plus contributions misses the model output by up to {gap.max():.3g}"
            )
        return contrib

    def to_dict(self) -> dict[str, object]:
        return {
            "reference": [None if np.isnan(v) else float(v) for v in self.reference],
            "offsets": [float(v) for v in self.offsets],
            "base_value": self.base_value,
            "scale": self.scale,
            "shift": self.shift,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> AdditiveExplainer:
        ref = d["reference"]
        off = d["offsets"]
        assert isinstance(ref, list) and isinstance(off, list)
        return cls(
            reference=np.array([np.nan if v is None else v for v in ref], dtype=float),
            offsets=np.array(off, dtype=float),
            base_value=float(d["base_value"]),  # type: ignore[arg-type]
            scale=float(d["scale"]),  # type: ignore[arg-type]
            shift=float(d["shift"]),  # type: ignore[arg-type]
        )
