"""Penalized logistic regression with many group intercepts, fitted by Newton's method.

The nuisance models of ``k12ews.ml.effects``: ``logit P(y = 1) = b0 + D bD + bG[group]``,
with a dense design ``D`` (splines and indicators of the confounders), one coefficient
per group (school x school year) and an unpenalized intercept. The objective is
scikit-learn's ``LogisticRegression(C=c)`` (L2 penalty, intercept not penalized) with the
groups as one-hot columns::

    sum_i s_i * logloss(y_i, eta_i) + (1 / (2 c)) * (|bD|^2 + |bG|^2)

(``s``: sample weights). Why not scikit-learn itself: the intervention-effect table fits
about a thousand such models on two million rows, and scikit-learn's solvers took
seconds a model on this machine (lbfgs needs hundreds of iterations on collinear spline
and indicator bases; newton-cholesky builds the full Hessian of the one-hot groups).
Here Newton's method builds the Hessian by blocks (the groups' block is diagonal, the
design's in single precision), keeps it while the steps shrink fast (a chord step still
converges to the same minimum, as the gradient is exact) and can start from the
coefficients and Hessian of a previous fit on similar rows (the next cross-fitting
fold). The unit tests check the solution against scikit-learn's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.special import expit

# Keep the Hessian for the next step while each step's largest change of a row's
# probability is at most this share of the previous step's (otherwise recompute it).
SHRINK_TO_KEEP_HESSIAN = 0.25
# Halve a step that does not lower the objective, until the previous step's largest
# change of a row's probability falls below this (then Newton's steps are taken whole).
LINE_SEARCH_ABOVE = 0.05


@dataclass(frozen=True)
class LogisticFit:
    """Fitted coefficients (intercept, design, groups) and the last Hessian, over the
    intercept, design and the groups present in the rows (``present``)."""

    intercept: float
    coef: np.ndarray
    group_coef: np.ndarray
    n_iter: int
    converged: bool
    present: np.ndarray
    hessian: np.ndarray

    def linear_predictor(self, design: np.ndarray, groups: np.ndarray) -> np.ndarray:
        return self.intercept + design @ self.coef + self.group_coef[groups]

    def predict_proba(self, design: np.ndarray, groups: np.ndarray) -> np.ndarray:
        return expit(self.linear_predictor(design, groups))


def _objective(
    eta: np.ndarray, y: np.ndarray, s: np.ndarray, beta: np.ndarray, lam: float
) -> float:
    """Weighted log-loss (log(1 + exp(eta)) - y eta, computed stably) plus the penalty."""
    loss = np.logaddexp(0.0, eta) - y * eta
    return float(s @ loss + 0.5 * lam * (beta[1:] @ beta[1:]))


@dataclass(frozen=True)
class _Rows:
    """The rows of one fit sorted by group, the groups renumbered ``0..m-1`` among those
    present (``present``), with the penalty of every coefficient."""

    x: np.ndarray
    x32: np.ndarray
    y: np.ndarray
    s: np.ndarray
    g: np.ndarray
    starts: np.ndarray
    present: np.ndarray
    lam: float
    penalty: np.ndarray

    @property
    def p(self) -> int:
        return self.x.shape[1]

    @property
    def m(self) -> int:
        return len(self.present)

    @property
    def k(self) -> int:
        return 1 + self.p + self.m

    def eta(self, b: np.ndarray) -> np.ndarray:
        p = self.p
        return b[0] + self.x @ b[1 : 1 + p] + b[1 + p :][self.g]

    def objective(self, eta: np.ndarray, b: np.ndarray) -> float:
        return _objective(eta, self.y, self.s, b, self.lam)

    def gradient(self, prob: np.ndarray, b: np.ndarray) -> np.ndarray:
        p, grad = self.p, np.empty(self.k)
        r = self.s * (prob - self.y)
        grad[0] = r.sum()
        grad[1 : 1 + p] = r @ self.x
        grad[1 + p :] = np.bincount(self.g, weights=r, minlength=self.m)
        grad += self.penalty * b
        return grad

    def hessian(self, prob: np.ndarray) -> np.ndarray:
        """By blocks: the groups' block is diagonal, the design's in single precision."""
        p, m, k = self.p, self.m, self.k
        v = self.s * prob * (1.0 - prob)
        root = np.sqrt(v).astype(np.float32)[:, None]
        u = self.x32 * root
        gv = np.bincount(self.g, weights=v, minlength=m)
        h = np.empty((k, k))
        h[0, 0] = v.sum()
        h[0, 1 : 1 + p] = h[1 : 1 + p, 0] = v @ self.x
        h[0, 1 + p :] = h[1 + p :, 0] = gv
        h[1 : 1 + p, 1 : 1 + p] = u.T @ u  # the same array: a symmetric product (syrk)
        dg = np.add.reduceat(u * root, self.starts, axis=0) if p else np.zeros((m, 0))
        h[1 + p :, 1 : 1 + p] = dg
        h[1 : 1 + p, 1 + p :] = dg.T
        h[1 + p :, 1 + p :] = np.diag(gv)
        h[np.diag_indices(k)] += self.penalty
        return h


def _sorted_rows(
    design: np.ndarray,
    groups: np.ndarray,
    y: np.ndarray,
    c: float,
    sample_weight: np.ndarray | None,
    rows: np.ndarray | None,
) -> _Rows:
    idx = np.arange(design.shape[0]) if rows is None else np.asarray(rows)
    order = idx[np.argsort(groups[idx], kind="stable")]
    present, g = np.unique(groups[order], return_inverse=True)
    x = np.ascontiguousarray(design[order], dtype=float)
    s = np.ones(len(order)) if sample_weight is None else sample_weight[order].astype(float)
    lam = 1.0 / c
    penalty = np.full(1 + design.shape[1] + len(present), lam)
    penalty[0] = 0.0
    return _Rows(
        x=x,
        x32=x.astype(np.float32),
        y=y[order].astype(float),
        s=s,
        g=g,
        starts=np.flatnonzero(np.r_[True, g[1:] != g[:-1]]),
        present=present,
        lam=lam,
        penalty=penalty,
    )


def _factor(hess: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """The Cholesky factor, or None when the matrix is not positive definite."""
    try:
        return linalg.cho_factor(hess, check_finite=False)
    except linalg.LinAlgError:
        return None


def _starting_point(
    rows: _Rows, start: LogisticFit | None
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, bool] | None]:
    """The coefficients to start from, and the Hessian (with its factor) kept from
    ``start`` when it covers the same groups; else the intercept of the mean outcome."""
    p, k = rows.p, rows.k
    beta = np.zeros(k)
    factor = None
    hess = np.empty((k, k))
    if start is None:
        ybar = float(np.clip(rows.s @ rows.y / rows.s.sum(), 1e-6, 1 - 1e-6))
        beta[0] = np.log(ybar / (1 - ybar))
    else:
        beta[0] = start.intercept
        beta[1 : 1 + p] = start.coef
        beta[1 + p :] = start.group_coef[rows.present]
        if start.hessian.shape == (k, k) and np.array_equal(start.present, rows.present):
            hess = start.hessian.copy()
            # a previous Hessian that is not positive definite (its fit had no weight
            # left) gives no factor: this fit builds its own
            factor = _factor(hess)
    return beta, hess, factor


def _step(hess: np.ndarray, factor: tuple[np.ndarray, bool] | None, grad: np.ndarray) -> np.ndarray:
    """Newton's step; least squares when the Hessian is not positive definite in
    floating point."""
    if factor is not None:
        return linalg.cho_solve(factor, grad, check_finite=False)
    return linalg.lstsq(hess, grad, check_finite=False)[0]


def _line_search(
    rows: _Rows, beta: np.ndarray, step: np.ndarray, obj: float, last_change: float
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The candidate coefficients, their linear predictor, the objective and the step
    length: halved until the objective falls, or whole near the minimum."""
    t = 1.0
    while True:
        cand = beta - t * step
        eta_c = rows.eta(cand)
        if last_change < LINE_SEARCH_ABOVE:  # near the minimum: whole steps
            break
        obj_c = rows.objective(eta_c, cand)
        if obj_c <= obj + 1e-12 * max(1.0, abs(obj)) or t < 1e-4:
            obj = obj_c
            break
        t *= 0.5
    return cand, eta_c, obj, t


def fit_logistic(
    design: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    c: float = 1.0,
    sample_weight: np.ndarray | None = None,
    start: LogisticFit | None = None,
    rows: np.ndarray | None = None,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> LogisticFit:
    """Minimise the objective above.

    ``design``: n x p float array; ``groups``: n ints in [0, n_groups); ``y``: 0/1;
    ``rows``: fit on these rows only (indices; default all); ``start``: a previous fit
    to start from (its coefficients, and its Hessian when it covers the same groups);
    the minimum does not depend on it. Converged when the
    largest change of a row's fitted probability in a step is below ``tol`` (what
    the predictions need; a coefficient the penalty alone holds, in a region where the
    probability is nearly 0 or 1, may still move). Groups absent from the
    rows keep a coefficient of 0 (the penalty's choice)."""
    data = _sorted_rows(design, groups, y, c, sample_weight, rows)
    n, p = len(data.y), data.p
    beta, hess, factor = _starting_point(data, start)
    eta = data.eta(beta)
    obj = data.objective(eta, beta)
    converged = False
    it = 0
    last_change = np.inf
    prob = expit(eta)
    for it in range(1, max_iter + 1):  # noqa: B007
        grad = data.gradient(prob, beta)
        if factor is None:
            hess = data.hessian(prob)
            factor = _factor(hess)
        step = _step(hess, factor, grad)
        beta, eta, obj, t = _line_search(data, beta, step, obj, last_change)
        prob_c = expit(eta)
        change = float(np.max(np.abs(prob_c - prob))) if n else 0.0
        prob = prob_c
        if change < tol:
            converged = True
            break
        # keep the Hessian while the steps are whole and shrink fast
        if t < 1.0 or change > SHRINK_TO_KEEP_HESSIAN * last_change:
            factor = None
        last_change = change
    group_coef = np.zeros(n_groups)
    group_coef[data.present] = beta[1 + p :]
    return LogisticFit(
        float(beta[0]), beta[1 : 1 + p].copy(), group_coef, it, converged, data.present, hess
    )
