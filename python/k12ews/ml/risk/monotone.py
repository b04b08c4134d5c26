"""Risk models whose every indicator moves the risk only the way the field agrees on.

``signs`` holds one entry per input column: +1 (the log-odds may only rise with the
column), -1 (only fall), 0 (free); ``k12ews.ml.risk.directions`` reads them from a seed.

- The logistic candidate (impute, missing-value indicator, standardise, L2 logistic
  regression) gets **sign-constrained coefficients**: the same penalised likelihood as
  scikit-learn's ``LogisticRegression(C=c)`` (intercept not penalised), minimised with
  L-BFGS-B under the bounds w_i >= 0 (sign +1) or w_i <= 0 (sign -1). Standardising
  divides by a positive scale, so the sign of a coefficient is the sign of the column's
  effect. Missing-value indicators are free: a missing value is neither high nor low.
  The solution is written into a plain fitted ``LogisticRegression`` inside the same
  ``Pipeline``, so the registry stores and loads it as before (skops, scikit-learn types
  only) and the explainer needs nothing new.
- The boosted candidate gets **monotone shape functions**: scikit-learn's
  ``HistGradientBoostingClassifier(monotonic_cst=signs)``; with every tree on one column
  (``interaction_cst``), each column's shape is a sum of monotone steps. Missing values
  take a branch of their own choosing.

A correlated pair (this year's and last year's absence) can then no longer share out a
common signal with one of them on the wrong side: the coefficient that would have been
wrong is held at zero, and the other carries the signal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

# L-BFGS-B stopping rules: far below what a probability needs, and cheap on these sizes.
_FTOL = 1e-12
_GTOL = 1e-9
_MAX_ITER = 5000


def bounds(signs: Sequence[int]) -> list[tuple[float | None, float | None]]:
    """L-BFGS-B bounds of each coefficient from its sign."""
    out: list[tuple[float | None, float | None]] = []
    for s in signs:
        if s > 0:
            out.append((0.0, None))
        elif s < 0:
            out.append((None, 0.0))
        else:
            out.append((None, None))
    return out


def fit_sign_constrained(
    z: np.ndarray, y: np.ndarray, c: float, signs: Sequence[int]
) -> tuple[np.ndarray, float, int]:
    """Coefficients, intercept and iterations of the L2 logistic regression on ``z``
    (objective of ``LogisticRegression(C=c)``, divided by the number of rows) with each
    coefficient on the side ``signs`` allows. The intercept is free."""
    z = np.ascontiguousarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = z.shape
    if len(signs) != p:
        raise ValueError(f"{len(signs)} signs for {p} columns")
    lam = 1.0 / (c * n)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:p], theta[p]
        eta = z @ w + b
        loss = float(np.mean(np.logaddexp(0.0, eta) - y * eta)) + 0.5 * lam * float(w @ w)
        r = (expit(eta) - y) / n
        grad = np.empty(p + 1)
        grad[:p] = z.T @ r + lam * w
        grad[p] = r.sum()
        return loss, grad

    ybar = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    start = np.zeros(p + 1)
    start[p] = np.log(ybar / (1 - ybar))
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds(signs), (None, None)],
        options={"ftol": _FTOL, "gtol": _GTOL, "maxiter": _MAX_ITER},
    )
    theta = result.x
    w = theta[:p].copy()
    # the bound is exact: a coefficient L-BFGS-B left on its bound is exactly zero
    for i, s in enumerate(signs):
        if s > 0:
            w[i] = max(w[i], 0.0)
        elif s < 0:
            w[i] = min(w[i], 0.0)
    return w, float(theta[p]), int(result.nit)


def fit_logistic_pipeline(
    pipeline: Pipeline, x: np.ndarray, y: np.ndarray, signs: Sequence[int]
) -> Pipeline:
    """Fit the logistic candidate's pipeline with sign-constrained coefficients.

    ``signs`` has one entry per input column of ``x``; the missing-value indicators the
    imputer appends are free."""
    impute, scale = pipeline.named_steps["impute"], pipeline.named_steps["scale"]
    model = pipeline.named_steps["model"]
    if not isinstance(model, LogisticRegression):
        raise TypeError("the pipeline's last step must be a LogisticRegression")
    z = scale.fit_transform(impute.fit_transform(x))
    added = z.shape[1] - x.shape[1]
    w, b, n_iter = fit_sign_constrained(z, y, float(model.C), [*signs, *([0] * added)])
    # a fitted LogisticRegression, as scikit-learn's own fit leaves it
    model.classes_ = np.array([0, 1])
    model.coef_ = w.reshape(1, -1)
    model.intercept_ = np.array([b])
    model.n_features_in_ = z.shape[1]
    model.n_iter_ = np.array([n_iter], dtype=np.int32)
    return pipeline
