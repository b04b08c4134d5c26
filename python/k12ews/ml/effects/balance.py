"""Balance of the confounders between the treated and the controls of a set of units:
the balance matrix (``balance_matrix``), and the largest absolute standardized mean
difference before and after weighting the controls (``BalanceStats``, additive over
disjoint sets of units, so grades and quarters are summed, not refitted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from k12ews.ml.effects.design import CONFOUNDERS, FLAG_COLUMNS


def balance_matrix(
    conf: Mapping[str, np.ndarray], columns: tuple[str, ...] = CONFOUNDERS
) -> np.ndarray:
    """The confounders as balance is reported on them: each one's value (missing -> 0)
    and, for those that can be missing, a missing indicator (the same columns for every
    cell; school x year left out)."""
    cols = []
    for c in columns:
        x = conf[c]
        miss = np.isnan(x)
        cols.append(np.where(miss, 0.0, x))
        if c not in FLAG_COLUMNS:
            cols.append(miss.astype(float))
    return np.column_stack(cols)


@dataclass(frozen=True)
class BalanceStats:
    """Sums over a set of units of each balance column and its square, for the treated
    (``_t``), the controls (``_c``) and the weighted controls (``_w``: the weight times
    the value): enough for the standardized mean differences, and additive over
    disjoint sets of units (grades, quarters)."""

    n_t: float
    n_c: float
    w_sum: float
    s1_t: np.ndarray
    s2_t: np.ndarray
    s1_c: np.ndarray
    s2_c: np.ndarray
    s1_w: np.ndarray

    def __add__(self, other: BalanceStats) -> BalanceStats:
        return BalanceStats(
            *(getattr(self, f) + getattr(other, f) for f in BalanceStats.__dataclass_fields__)
        )

    @classmethod
    def of(
        cls, balance: np.ndarray, treated: np.ndarray, control_weight: np.ndarray
    ) -> BalanceStats:
        """``control_weight``: one weight per control, in row order."""
        return grouped_balance_stats(
            balance, treated, control_weight, np.zeros(len(treated), dtype=np.int64), 1
        )[0]

    def max_abs_smd(self) -> tuple[float, float]:
        """Largest absolute standardized mean difference over the columns, before and
        after weighting the controls; the denominator is the unweighted pooled standard
        deviation sqrt((var_treated + var_controls) / 2), the same before and after;
        columns constant in both groups are skipped."""
        if self.n_t == 0 or self.n_c == 0 or len(self.s1_t) == 0 or self.w_sum <= 0:
            return float("nan"), float("nan")
        mean_t, mean_c = self.s1_t / self.n_t, self.s1_c / self.n_c
        var_t = np.maximum(self.s2_t / self.n_t - mean_t**2, 0.0)
        var_c = np.maximum(self.s2_c / self.n_c - mean_c**2, 0.0)
        sd = np.sqrt((var_t + var_c) / 2)
        ok = sd > 1e-9
        if not ok.any():
            return float("nan"), float("nan")
        mean_cw = self.s1_w / self.w_sum
        before = np.abs(mean_t - mean_c)[ok] / sd[ok]
        after = np.abs(mean_t - mean_cw)[ok] / sd[ok]
        return float(before.max()), float(after.max())


def grouped_balance_stats(
    balance: np.ndarray,
    treated: np.ndarray,
    control_weight: np.ndarray,
    group: np.ndarray,
    n_groups: int,
) -> list[BalanceStats]:
    """``BalanceStats`` of each group (codes 0..n_groups-1) of the units, in one pass:
    an indicator matrix of group x (treated, control, weighted control) times the
    balance matrix and its squares."""
    t = treated.astype(bool)
    w = np.zeros(len(t))
    w[~t] = control_weight
    n = len(t)
    onehot = np.zeros((3 * n_groups, n))
    cols = np.arange(n)
    onehot[group + 0 * n_groups, cols] = t
    onehot[group + 1 * n_groups, cols] = ~t
    onehot[group + 2 * n_groups, cols] = w
    s1 = onehot @ balance
    s2 = onehot[: 2 * n_groups] @ (balance * balance)
    counts = onehot.sum(axis=1)
    return [
        BalanceStats(
            counts[g],
            counts[n_groups + g],
            counts[2 * n_groups + g],
            s1[g],
            s2[g],
            s1[n_groups + g],
            s2[n_groups + g],
            s1[2 * n_groups + g],
        )
        for g in range(n_groups)
    ]


def max_abs_smd(
    balance: np.ndarray, treated: np.ndarray, control_weight: np.ndarray
) -> tuple[float, float]:
    """Largest absolute standardized mean difference over the columns of ``balance``
    between the treated and the controls, before and after weighting the controls by
    ``control_weight`` (``BalanceStats.max_abs_smd``)."""
    return BalanceStats.of(balance, treated, control_weight).max_abs_smd()
