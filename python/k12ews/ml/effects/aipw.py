"""The cross-fitted nuisance models of one cell (``fit_cell``): a seeded sample of the
controls (``control_sample``), the controls outside the treated units' support
(``outside_treated_support``), and for every unit a propensity clipped from above and a
control-outcome prediction from penalized logistic regressions (``k12ews.ml.effects.logistic``)
fitted on the other folds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from k12ews.ml.effects import logistic
from k12ews.ml.effects.design import CellDesign
from k12ews.ml.effects.settings import EffectSettings

# The nuisance models stop when no unit's fitted probability moves more than this in a
# step (far below what changes an estimate, reported to 0.1 percentage point).
FIT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class CellFit:
    """Cross-fitted nuisance predictions for the units of one cell, and the last fold's
    models (a start for a similar cell's)."""

    propensity: np.ndarray  # clipped from above
    is_clipped: np.ndarray
    m0: np.ndarray
    fitted_units: int  # units the models were fitted on (treated + sampled controls)
    last_models: tuple[logistic.LogisticFit | None, logistic.LogisticFit | None] = (None, None)
    outside_support: np.ndarray | None = None  # controls given no weight (no treated alike)


def _fit_predict(
    x_used: np.ndarray,
    design: CellDesign,
    groups: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    weight: np.ndarray,
    train: np.ndarray,
    test_rows: np.ndarray,
    test_groups: np.ndarray,
    settings: EffectSettings,
    start: logistic.LogisticFit | None,
) -> tuple[np.ndarray, logistic.LogisticFit | None]:
    """P(y = 1) for the test rows (cell rows, in groups ``test_groups``) from the model
    fitted on the ``train`` rows of ``x_used`` (positions; ``groups``, ``y`` and
    ``weight`` aligned with ``x_used``), and the fit (a start for the next); the
    weighted training mean when the training rows hold one class only (NaN without
    training rows)."""
    n_test = len(test_rows)
    if not len(train):
        return np.full(n_test, np.nan), start
    yt, wt = y[train], weight[train]
    mean = float(wt @ yt / wt.sum())
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n_test, mean), start
    fit = logistic.fit_logistic(
        x_used,
        groups,
        n_groups,
        y,
        c=settings.regularization_c,
        sample_weight=weight,
        start=start,
        rows=train,
        tol=FIT_TOLERANCE,
    )
    eta = fit.intercept + design.linear(test_rows, fit.coef) + fit.group_coef[test_groups]
    return expit(eta), fit


def control_sample(
    treated: np.ndarray,
    draws: np.ndarray,
    controls_per_treated: float,
    min_controls: int,
    eligible: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The units the models are fitted on and their weights: every treated unit, and each
    eligible control (default: all) whose draw (a seeded uniform per unit) is below the
    sampling rate r = min(1, max(controls_per_treated x treated, min_controls) /
    eligible controls), weighted 1 / r so that the sample stands for them all."""
    t = treated.astype(bool)
    ok = np.ones(len(t), dtype=bool) if eligible is None else eligible.astype(bool)
    n_t = int(t.sum())
    n_c = int((ok & ~t).sum())
    wanted = max(controls_per_treated * n_t, float(min_controls))
    rate = 1.0 if n_c == 0 else min(1.0, wanted / n_c)
    used = t | (ok & (draws < rate))
    weight = np.where(t, 1.0, 1.0 / rate)
    return used, weight


def outside_treated_support(values: Mapping[str, np.ndarray], treated: np.ndarray) -> np.ndarray:
    """Controls with a value of a rate outside the range of the treated units' values of
    it (a missing value counts as a value of its own): no student like them started the
    service, so for the effect on those who did they weigh nothing (common support for
    the ATT; in the synthetic district attendance interventions go only to students
    who miss 8% of days)."""
    t = treated.astype(bool)
    out = np.zeros(len(t), dtype=bool)
    if not t.any():
        return out
    for x in values.values():
        miss = np.isnan(x)
        observed_t = x[t & ~miss]
        if len(observed_t):
            out |= ~miss & ((x < observed_t.min()) | (x > observed_t.max()))
        else:
            out |= ~miss
        if not miss[t].any():
            out |= miss
    return out & ~t


def fit_cell(
    design: CellDesign | np.ndarray,
    groups: np.ndarray,
    treated: np.ndarray,
    y: np.ndarray,
    fold: np.ndarray,
    draws: np.ndarray,
    settings: EffectSettings,
    n_groups: int | None = None,
    start: tuple[logistic.LogisticFit | None, logistic.LogisticFit | None] = (None, None),
    outside_support: np.ndarray | None = None,
) -> CellFit:
    """Cross-fitted propensity and control-outcome predictions for every unit: each
    fold's units are predicted by the models fitted on the other folds' units (treated
    and sampled controls); with a single fold, in-sample. ``groups``: school x year codes
    below ``n_groups`` (default: their maximum + 1). Each fit starts from the previous
    fold's (the first from ``start``, models of a similar cell on the same basis): the
    solution does not depend on the start. Controls flagged ``outside_support``
    (``outside_treated_support``) are left out of the fits and get a propensity of 0:
    no weight."""
    cell_design = design if isinstance(design, CellDesign) else CellDesign.of(design)
    t = treated.astype(bool)
    n_groups = int(groups.max()) + 1 if n_groups is None else n_groups
    outside = np.zeros(len(t), dtype=bool) if outside_support is None else outside_support & ~t
    # the models are fitted within the support: outside it no one started the service
    used, weight = control_sample(
        t, draws, settings.controls_per_treated, settings.min_controls_fitted, ~outside
    )
    used_rows = np.flatnonzero(used)
    x_used = cell_design.take(used_rows)
    g_used, t_used, y_used, w_used = groups[used], t[used], y[used], weight[used]
    fold_used = fold[used]
    e = np.empty(len(t))
    m0 = np.empty(len(t))
    folds = np.unique(fold)
    start_e, start_m = start
    for k in folds:
        test_rows = np.flatnonzero(fold == k)
        train = fold_used != k if len(folds) > 1 else np.ones(len(used_rows), dtype=bool)
        e[test_rows], start_e = _fit_predict(
            x_used,
            cell_design,
            g_used,
            n_groups,
            t_used.astype(float),
            w_used,
            np.flatnonzero(train),
            test_rows,
            groups[test_rows],
            settings,
            start_e,
        )
        m0[test_rows], start_m = _fit_predict(
            x_used,
            cell_design,
            g_used,
            n_groups,
            y_used,
            w_used,
            np.flatnonzero(train & ~t_used),
            test_rows,
            groups[test_rows],
            settings,
            start_m,
        )
    if np.isnan(m0).any():  # a fold whose training rows held no controls (tiny cells)
        m0 = np.where(np.isnan(m0), float(np.mean(y[~t])) if (~t).any() else 0.0, m0)
    if np.isnan(e).any():
        e = np.where(np.isnan(e), float(np.mean(t)), e)
    cap = 1.0 - settings.propensity_clip
    clipped = e > cap
    e = np.minimum(e, cap)
    e[outside] = 0.0
    return CellFit(e, clipped, m0, len(used_rows), (start_e, start_m), outside)
