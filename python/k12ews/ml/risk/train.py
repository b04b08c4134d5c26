"""Train, choose and calibrate one risk model from out-of-time splits.

Candidates (all additive, so every score has an exact explanation, see ``explain``):

- ``logistic_l2``: median imputation with missing-value indicators, standardisation and
  an L2-regularised logistic regression, at two regularisation strengths;
- ``boosted_gam``: scikit-learn's histogram gradient boosting with every tree confined to
  one input column (``interaction_cst``) -- an explainable boosting machine, which learns
  each indicator's shape (thresholds, plateaus) instead of a straight line.

Given ``signs`` (one per column: +1, -1 or 0, from seed ``ml_feature_directions`` via
``k12ews.ml.risk.directions``), both are fitted so that each indicator moves the risk only the
way the field agrees on (``k12ews.ml.risk.monotone``): sign-constrained coefficients for the
logistic candidate, monotone shape functions for the boosted one.

The candidate with the best ROC AUC on the validation cohort is kept and Platt-calibrated
(a * log-odds + b, which keeps the explanations exact); the test cohorts are not touched
until evaluation. The slope a is always measured on the validation cohort, the only one
the kept model has not learnt from, so it says how far the model's log-odds can be
trusted out of time. The level b is measured there too, or, for outcomes whose level one
cohort pins down poorly (``calibrate(..., y_train=...)``; the pipeline's
``POOLED_LEVEL_OUTCOMES``), refitted with that slope on the training and validation
cohorts together (docs/risk_models.md, "Checked against the truth").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from k12ews.ml.odds import expit
from k12ews.ml.risk import metrics, monotone
from k12ews.ml.risk.explain import AdditiveExplainer
from k12ews.ml.risk.reference import TypicalStudents


@dataclass(frozen=True)
class Candidate:
    name: str
    params: dict[str, float | int]

    def build(
        self, n_features: int, seed: int, signs: Sequence[int] | None = None
    ) -> BaseEstimator:
        """The unfitted estimator; ``signs`` (boosted only here) become its monotone
        constraints. The logistic candidate's signs are applied when fitting
        (``fit_candidate``)."""
        if self.name == "logistic_l2":
            return Pipeline(
                [
                    (
                        "impute",
                        SimpleImputer(
                            strategy="median", add_indicator=True, keep_empty_features=True
                        ),
                    ),
                    ("scale", StandardScaler()),
                    ("model", LogisticRegression(C=float(self.params["C"]), max_iter=3000)),
                ]
            )
        if self.name == "boosted_gam":
            return HistGradientBoostingClassifier(
                learning_rate=float(self.params["learning_rate"]),
                max_iter=int(self.params["max_iter"]),
                max_leaf_nodes=int(self.params["max_leaf_nodes"]),
                min_samples_leaf=int(self.params["min_samples_leaf"]),
                l2_regularization=float(self.params["l2_regularization"]),
                interaction_cst=[[i] for i in range(n_features)],
                monotonic_cst=list(signs) if signs is not None and any(signs) else None,
                early_stopping=True,
                validation_fraction=0.15,
                n_iter_no_change=20,
                random_state=seed,
            )
        if self.name == "base_rate":
            return DummyClassifier(strategy="prior")
        raise ValueError(f"unknown candidate {self.name!r}")


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("logistic_l2", {"C": 0.03}),
    Candidate("logistic_l2", {"C": 0.3}),
    Candidate(
        "boosted_gam",
        {
            "learning_rate": 0.1,
            "max_iter": 200,
            "max_leaf_nodes": 6,
            "min_samples_leaf": 40,
            "l2_regularization": 1.0,
        },
    ),
)


def logit_function(estimator: BaseEstimator) -> Callable[[np.ndarray], np.ndarray]:
    """The fitted model's log-odds of the adverse outcome."""
    if isinstance(estimator, DummyClassifier):
        p1 = float(estimator.class_prior_[-1])  # type: ignore[attr-defined]
        p1 = min(max(p1, 1e-6), 1 - 1e-6)
        value = float(np.log(p1 / (1 - p1)))

        def constant(x: np.ndarray) -> np.ndarray:
            return np.full(len(x), value)

        return constant

    def logit(x: np.ndarray) -> np.ndarray:
        return np.asarray(estimator.decision_function(x), dtype=float)  # type: ignore[attr-defined]

    return logit


# A candidate must beat chance on the validation cohort by this many standard errors of
# its AUC (Hanley & McNeil 1982); otherwise the pipeline reports the base rate to every
# student (``BASE_RATE``) rather than rank them by noise. The negative control (training
# labels shuffled) relies on it: a model that learned nothing must not rank anyone.
SIGNAL_Z = 3.0
BASE_RATE = Candidate("base_rate", {})


def auc_standard_error(auc: float, positives: int, negatives: int) -> float:
    """Hanley-McNeil standard error of an ROC AUC."""
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / max(positives * negatives, 1)
    return float(np.sqrt(max(var, 0.0)))


def platt(logit: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the logistic calibration of ``logit`` on outcomes ``y``."""
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(logit.reshape(-1, 1), y.astype(int))
    return float(fit.coef_[0][0]), float(fit.intercept_[0])


def pooled_level(logit: np.ndarray, y: np.ndarray, slope: float, start: float = 0.0) -> float:
    """The intercept b that makes ``expit(slope * logit + b)`` predict as many events as
    ``y`` has: the maximum-likelihood intercept with the slope held (Newton's method on a
    concave one-dimensional likelihood)."""
    z = slope * np.asarray(logit, dtype=float)
    y = np.asarray(y, dtype=float)
    events = float(y.sum())
    if not 0 < events < len(y):
        raise ValueError("the level needs both outcomes")
    b = float(start)
    for _ in range(100):
        p = expit(z + b)
        step = (events - float(p.sum())) / max(float(np.sum(p * (1 - p))), 1e-12)
        b += float(np.clip(step, -2.0, 2.0))
        if abs(step) < 1e-12:
            break
    return b


@dataclass
class FittedModel:
    """A chosen, calibrated candidate and its exact explainer."""

    candidate: Candidate
    estimator: BaseEstimator
    features: list[str]
    explainer: AdditiveExplainer
    considered: list[dict[str, object]] = field(default_factory=list)

    @property
    def platt_slope(self) -> float:
        return self.explainer.scale

    @property
    def platt_intercept(self) -> float:
        return self.explainer.shift

    def calibrated_logit(self, x: np.ndarray) -> np.ndarray:
        raw = logit_function(self.estimator)(np.asarray(x, dtype=float))
        return self.platt_slope * raw + self.platt_intercept

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return expit(self.calibrated_logit(x))

    def contributions(self, x: np.ndarray, grades: np.ndarray | None = None) -> np.ndarray:
        """Each column's contribution against the typical student of each row's grade
        (``grades``; none given: the band's typical student)."""
        return self.explainer.contributions(
            logit_function(self.estimator), x, _grades(grades, len(x))
        )

    def base_log_odds(self, grades: np.ndarray) -> np.ndarray:
        """The calibrated log-odds of the typical student of each row's grade."""
        return self.explainer.base_values(logit_function(self.estimator), np.asarray(grades))


def _grades(grades: np.ndarray | None, n: int) -> np.ndarray:
    # no grade known: a value no training grade has, so the band's typical student
    return np.full(n, -1) if grades is None else np.asarray(grades)


def fit_candidate(
    candidate: Candidate,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    signs: Sequence[int] | None = None,
) -> BaseEstimator:
    """Fit a candidate; with ``signs`` (one per column, some non-zero), under them."""
    constrained = signs is not None and any(signs)
    est = candidate.build(x.shape[1], seed, signs if constrained else None)
    if constrained and candidate.name == "logistic_l2":
        return monotone.fit_logistic_pipeline(est, x, y.astype(int), list(signs or ()))  # type: ignore[arg-type]
    est.fit(x, y.astype(int))  # type: ignore[attr-defined]
    return est


def choose_and_calibrate(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_validation: np.ndarray,
    y_validation: np.ndarray,
    features: list[str],
    seed: int,
    candidates: tuple[Candidate, ...] = CANDIDATES,
    pooled_level: bool = False,
    signs: Sequence[int] | None = None,
    typical: TypicalStudents | None = None,
) -> FittedModel:
    """Fit every candidate on training rows (under ``signs``, see ``fit_candidate``); keep
    the best validation AUC; calibrate (with the level pooled over training and
    validation cohorts if ``pooled_level``); explain against ``typical``."""
    if len(np.unique(y_train)) < 2 or len(np.unique(y_validation)) < 2:
        raise ValueError("training and validation cohorts need both outcomes")
    best: tuple[float, Candidate, BaseEstimator] | None = None
    considered: list[dict[str, object]] = []
    for cand in candidates:
        est = fit_candidate(cand, x_train, y_train, seed, signs)
        auc = metrics.roc_auc(y_validation, logit_function(est)(x_validation))
        considered.append({"candidate": cand.name, "params": cand.params, "validation_auc": auc})
        if best is None or auc > best[0] + 1e-12:
            best = (auc, cand, est)
    assert best is not None
    auc, cand, est = best
    positives = int(np.sum(y_validation))
    se = auc_standard_error(auc, positives, len(y_validation) - positives)
    if not auc - SIGNAL_Z * se > 0.5:
        considered.append(
            {
                "candidate": BASE_RATE.name,
                "params": {},
                "validation_auc": 0.5,
                "reason": f"best validation AUC {auc:.3f} is within {SIGNAL_Z:g} standard "
                f"errors ({se:.3f}) of chance",
            }
        )
        cand, est = BASE_RATE, fit_candidate(BASE_RATE, x_train, y_train, seed)
    return calibrate(
        cand,
        est,
        x_train,
        x_validation,
        y_validation,
        features,
        considered,
        y_train=y_train if pooled_level else None,
        typical=typical,
    )


def calibrate(
    candidate: Candidate,
    estimator: BaseEstimator,
    x_train: np.ndarray,
    x_validation: np.ndarray,
    y_validation: np.ndarray,
    features: list[str],
    considered: list[dict[str, object]] | None = None,
    y_train: np.ndarray | None = None,
    typical: TypicalStudents | None = None,
) -> FittedModel:
    """Platt-calibrate a fitted candidate: slope and intercept on the validation cohort,
    or, given the training outcomes ``y_train``, the slope on the validation cohort and
    the intercept (the level) on the training and validation cohorts together.
    Explanations are measured against ``typical`` (default: the training rows' median
    student, one for all grades)."""
    logit = logit_function(estimator)
    if candidate == BASE_RATE:  # a constant cannot be rescaled; its rate is the training one
        slope, intercept = 1.0, 0.0
    else:
        logit_validation = logit(x_validation)
        slope, intercept = platt(logit_validation, y_validation)
        # A negative slope would turn every contribution (and every agreed direction)
        # round: such a model ranks worse than chance out of sample, and a slope of
        # zero gives everyone the same score instead.
        if slope < 0:
            rate = float(np.clip(np.mean(y_validation), 1e-6, 1 - 1e-6))
            slope, intercept = 0.0, float(np.log(rate / (1 - rate)))
        if y_train is not None:
            intercept = pooled_level(
                np.concatenate([logit(x_train), logit_validation]),
                np.concatenate([y_train, y_validation]),
                slope,
                start=intercept,
            )
    if typical is None:
        explainer = AdditiveExplainer.fit(x_train, np.full(len(x_train), -1))
    else:
        explainer = AdditiveExplainer(typical=typical)
    explainer = explainer.calibrated(slope, intercept)
    return FittedModel(
        candidate=candidate,
        estimator=estimator,
        features=features,
        explainer=explainer,
        considered=considered or [],
    )
