"""Exact explanations of additive risk models, against a stated typical student.

A model is additive in its inputs when its log-odds is a constant plus one function per
input column: f(x) = c + g_1(x_1) + ... + g_p(x_p). The regularised logistic pipeline
(impute, missing-value indicator, scale, logistic regression) is additive per input
column, and so is a gradient-boosted model whose trees may each split on one column only
(``interaction_cst``): an explainable boosting machine. For such a model each column's
contribution is read off the model itself by substitution:

    contribution_i(x) = g_i(x_i) - g_i(r_i) = f(r with column i set to x_i) - f(r)

where r is the typical student of x's grade (``k12ews.ml.risk.reference``): the district's
median student of that grade at the model's decision point. Then

    f(x) = f(r) + sum_i contribution_i(x)       (exactly, up to rounding)

so the base value is the typical student's own log-odds, and a contribution says how far
this student's value moves the risk from the typical student's. With a model monotone in
a column (``k12ews.ml.risk.monotone``), a value above the typical one moves the risk only the
agreed way. ``AdditiveExplainer.contributions`` checks the sum for every student it
explains: a model that is not additive fails loudly instead of giving approximate
explanations. Platt calibration (a * f + b) scales the contributions by ``a`` and moves
the base value to ``a * f(r) + b``, so explanations stay exact on the calibrated scale the
scores are reported on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from k12ews.ml.risk.reference import TypicalStudents

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


def _groups(grades: np.ndarray) -> list[np.ndarray]:
    """Row indices of each grade (the students sharing one typical student)."""
    grades = np.asarray(grades)
    return [np.flatnonzero(grades == g) for g in np.unique(grades)]


@dataclass
class AdditiveExplainer:
    """Contributions and base values of an additive model, on its log-odds scale."""

    typical: TypicalStudents
    scale: float = 1.0  # Platt slope a
    shift: float = 0.0  # Platt intercept b

    @classmethod
    def fit(
        cls,
        x_train: np.ndarray,
        grades: np.ndarray,
        known: np.ndarray | None = None,
        fill: np.ndarray | None = None,
    ) -> AdditiveExplainer:
        """The typical student of each grade from the training rows: ``known`` marks the
        values on record (default: the non-missing ones), ``fill`` the value a missing
        one takes in the model (default: missing)."""
        x_train = np.asarray(x_train, dtype=float)
        p = x_train.shape[1]
        known = ~np.isnan(x_train) if known is None else known
        fill = np.full(p, np.nan) if fill is None else fill
        return cls(typical=TypicalStudents.fit(x_train, known, grades, fill))

    def calibrated(self, slope: float, intercept: float) -> AdditiveExplainer:
        return AdditiveExplainer(typical=self.typical, scale=slope, shift=intercept)

    def base_values(self, logit: LogitFunction, grades: np.ndarray) -> np.ndarray:
        """Per row, the calibrated log-odds of the typical student of its grade."""
        refs = self.typical.inputs(grades)
        out = np.empty(len(refs))
        for rows in _groups(grades):
            out[rows] = self.scale * float(logit(refs[rows[:1]])[0]) + self.shift
        return out

    def contributions(self, logit: LogitFunction, x: np.ndarray, grades: np.ndarray) -> np.ndarray:
        """Per student and column, the contribution to the calibrated log-odds against
        the typical student of the student's grade.

        Raises NotAdditiveError when base value plus contributions misses the model's own
        output by more than ADDITIVITY_TOLERANCE for any student.
        """
        x = np.asarray(x, dtype=float)
        if len(x) == 0:
            return np.zeros((0, len(self.typical.overall)))
        refs = self.typical.inputs(grades)
        contrib = np.empty_like(x)
        base = np.empty(len(x))
        for rows in _groups(grades):
            ref = refs[rows[0]]
            contrib[rows] = self.scale * _substituted(logit, x[rows], ref)
            base[rows] = self.scale * float(logit(ref.reshape(1, -1))[0]) + self.shift
        direct = self.scale * logit(x) + self.shift
        gap = np.abs(base + contrib.sum(axis=1) - direct)
        if gap.max() > ADDITIVITY_TOLERANCE:
            raise NotAdditiveError(
                f"base value plus contributions misses the model output by up to {gap.max():.3g}"
            )
        return contrib

    def to_dict(self) -> dict[str, object]:
        return {"typical": self.typical.to_dict(), "scale": self.scale, "shift": self.shift}

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> AdditiveExplainer:
        typical = d["typical"]
        assert isinstance(typical, dict)
        return cls(
            typical=TypicalStudents.from_dict(typical),
            scale=float(d["scale"]),  # type: ignore[arg-type]
            shift=float(d["shift"]),  # type: ignore[arg-type]
        )
