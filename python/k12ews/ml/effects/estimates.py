"""The AIPW estimate of the ATT over a set of fitted units (``estimate``): the effect,
its 95% interval clustered by student, the effect on the log-odds, the naive difference
beside it and the balance diagnostics (``Estimate``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from k12ews.ml.effects.balance import BalanceStats, max_abs_smd

Z95 = 1.959963984540054


def _cluster_se(terms: np.ndarray, clusters: np.ndarray, denominator: float) -> float:
    """sqrt(G / (G - 1) * sum over clusters of (sum of terms)^2) / denominator;
    ``clusters``: non-negative integer codes (G = the distinct codes present)."""
    sums = np.bincount(clusters, weights=terms)
    g = int(np.count_nonzero(np.bincount(clusters)))
    if g < 2 or denominator <= 0:
        return float("nan")
    return float(math.sqrt(g / (g - 1) * float(sums @ sums)) / denominator)


def _logit(p: float) -> float:
    if not 0.0 < p < 1.0:
        return float("nan")
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class Estimate:
    """The figures of one output row."""

    n_units: int
    n_treated: int
    n_controls: int
    n_students: int
    treated_adverse_rate: float
    control_adverse_rate: float
    counterfactual_adverse_rate: float
    effect: float
    effect_se: float
    ci_low: float
    ci_high: float
    effect_log_odds: float
    naive_effect: float
    naive_se: float
    naive_ci_low: float
    naive_ci_high: float
    clipped_units: int
    max_abs_smd_before: float
    max_abs_smd_after: float
    controls_effective_sample_size: float


def estimate(
    treated: np.ndarray,
    y: np.ndarray,
    propensity: np.ndarray,
    m0: np.ndarray,
    is_clipped: np.ndarray,
    students: np.ndarray,
    balance: np.ndarray | BalanceStats | None = None,
) -> Estimate:
    """The AIPW estimate of the ATT over the units given (any subset of fitted units:
    a cell, a grade within it, several quarters), with its interval clustered by
    student, the naive difference and the balance diagnostics (``balance``: the units'
    balance matrix, or their ``BalanceStats`` with these weights). Needs treated units and
    controls."""
    t = treated.astype(bool)
    n_t, n_c = int(t.sum()), int((~t).sum())
    w = propensity / (1.0 - propensity)
    resid = y - m0
    effect = float(np.sum(np.where(t, resid, -w * resid)) / n_t)
    se = _cluster_se(np.where(t, resid - effect, -w * resid), students, float(n_t))
    y1, y0 = float(y[t].mean()), float(y[~t].mean())
    naive = y1 - y0
    naive_se = _cluster_se(np.where(t, (y - y1) / n_t, -(y - y0) / n_c), students, 1.0)
    wc = w[~t]
    counterfactual = y1 - effect
    if balance is None:
        smd_before = smd_after = float("nan")
    elif isinstance(balance, BalanceStats):
        smd_before, smd_after = balance.max_abs_smd()
    else:
        smd_before, smd_after = max_abs_smd(balance, t, wc)
    return Estimate(
        n_units=len(t),
        n_treated=n_t,
        n_controls=n_c,
        n_students=int(np.count_nonzero(np.bincount(students))),
        treated_adverse_rate=y1,
        control_adverse_rate=y0,
        counterfactual_adverse_rate=counterfactual,
        effect=effect,
        effect_se=se,
        ci_low=effect - Z95 * se,
        ci_high=effect + Z95 * se,
        effect_log_odds=_logit(y1) - _logit(counterfactual),
        naive_effect=naive,
        naive_se=naive_se,
        naive_ci_low=naive - Z95 * naive_se,
        naive_ci_high=naive + Z95 * naive_se,
        clipped_units=int(is_clipped.sum()),
        max_abs_smd_before=smd_before,
        max_abs_smd_after=smd_after,
        controls_effective_sample_size=float(wc.sum() ** 2 / np.sum(wc**2)) if wc.any() else 0.0,
    )
