"""Intervention effects by timing: what starting a service in a given grade and quarter
did to the outcome, adjusted for who the school gives services to.

The estimand (docs/interventions.md, models/ml/effects/_ml__effects.yml):

- **Unit**: student x school year x service x start quarter, in the service's risk set
  (``ml_service_risk_sets``): enrolled on the quarter's first day, in the district at the
  previous decision point, not yet started on the service this year, in its population.
- **Treatment**: the student's spell of the service starts in that quarter. **Control**:
  it does not start then (it may start later): "start now vs. not now, usual care after".
- **Outcome**: the adverse outcome of ``ml_labels`` for the unit's school year, where it
  is known for the whole year (``known_outcomes``).
- **Effect (ATT)**: among students who started the service in that grade band (or grade)
  and quarter, their adverse-outcome rate minus the rate they would have had without
  starting it then (negative = fewer adverse outcomes = the service helps); also as a
  difference of log-odds.

Estimator: cross-fitted augmented inverse-probability weighting for the ATT. Students are
dealt into ``folds``; each fold's units get a propensity ``e`` (P(start now | what the
school knew)) and a control-outcome prediction ``m0`` (P(adverse | what the school knew,
not started now)) from models fitted on the other folds only. Both models are penalized
logistic regressions (``k12ews.ml.logistic``, scikit-learn's objective) on a flexible
basis of the confounders (``design_matrix``: cubic B-splines of rates and GPA, indicators
of counts and test levels, flags, and one coefficient per school x school year). They
are fitted on every treated unit and a seeded sample of the controls
(``controls_per_treated`` per treated unit, at least ``min_controls_fitted``, weighted up
to stand for all controls); every unit is predicted. Controls outside the range of the
treated units' values of a rate get no weight (``outside_treated_support``: no student
like them started the service). Propensities are clipped from above at
``1 - propensity_clip`` (the ATT weights a control by ``w = e / (1 - e)``, which only
explodes as ``e`` nears 1; a low propensity needs no clip). Then, over a cell's units::

    effect = sum(T (Y - m0) - (1 - T) w (Y - m0)) / sum(T)

with its 95% interval from the influence function ``a = T (Y - m0 - effect) - (1 - T) w
(Y - m0)``, summed within each student (a student appears in several years, quarters and
services): ``se = sqrt(G / (G - 1) * sum_students(sum a)^2) / sum(T)``. The counterfactual
adverse rate of the treated is their observed rate minus the effect.

Rows per start grade are the same sums over the grade's units of the band's fit; rows
pooled over quarters are the sums over the band's fitted quarters. Beside each estimate:
the naive difference of adverse rates (treated minus the controls of the same risk set,
with the same clustered interval), the largest absolute standardized mean difference of
the confounders between the treated and the controls before and after weighting, and
the effective sample size of the weighted controls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

from k12ews.ml import logistic, schemas, typed

KEYS = ["student_id", "school_year", "start_quarter", "service"]

# Outcomes and the grades they are defined for (ml_labels).
OUTCOME_GRADES: dict[str, tuple[int, int]] = {
    "next_grade_success": (0, 12),
    "on_time_graduation": (6, 12),
    "grade_3_reading": (0, 2),
}
BANDS: dict[str, tuple[int, int]] = {"elementary": (0, 5), "middle": (6, 8), "high": (9, 12)}
QUARTERS = (1, 2, 3, 4)

# Confounders (ml_service_risk_sets columns) and how the basis expands them.
SPLINE_COLUMNS = (
    "absence_rate_as_seen",
    "absence_rate_this_year",
    "prior_year_absence_rate",
    "gpa_this_year",
    "prior_year_gpa",
    "credits_behind_at_year_start",
)
# Counts and levels as indicators of 0, 1, ... up to the cap ("cap or more"); missing is
# its own level.
INDICATOR_COLUMNS: dict[str, int] = {
    "latest_term_core_failures": 3,
    "core_failures_this_year": 3,
    "incidents_this_year": 4,
    "prior_year_incidents": 4,
    "latest_reading_level": 4,
    "latest_math_level": 4,
    "grade_level": 12,
}
# Counts entered as they are, capped (missing -> 0 with a missing indicator).
LINEAR_COLUMNS: dict[str, int] = {
    "prior_year_core_failures": 8,
    "service_spells_this_year": 3,
    "service_spells_before_this_year": 6,
    "times_retained": 2,
}
FLAG_COLUMNS = (
    "is_below_basic_on_latest_test",
    "is_new_to_district",
    "had_service_last_year",
    "is_homeless",
    "is_gifted",
    "is_english_learner",
    "has_iep",
)
CONFOUNDERS = (*SPLINE_COLUMNS, *INDICATOR_COLUMNS, *LINEAR_COLUMNS, *FLAG_COLUMNS)
# The confounder that differs between a student-quarter's services; the rest are the
# student's at the decision, shared by the services' risk sets.
SERVICE_SPECIFIC = "had_service_last_year"
SHARED_FLAGS = tuple(c for c in FLAG_COLUMNS if c != SERVICE_SPECIFIC)
SHARED_CONFOUNDERS = tuple(c for c in CONFOUNDERS if c != SERVICE_SPECIFIC)
RISK_SET_COLUMNS = [*KEYS, "school_id", "grade_level", "grade_band", "is_treated"] + [
    c for c in CONFOUNDERS if c != "grade_level"
]
# The projection the dbt model reads the risk sets with (DuckDB): the rates in single
# precision, which is plenty for them and halves the memory of two million rows.
RISK_SET_SELECT = ", ".join(
    f"cast({c} as float) as {c}" if c in SPLINE_COLUMNS else c for c in RISK_SET_COLUMNS
)

CELL_LEVELS = ("grade_band_quarter", "grade_quarter", "grade_band_all_quarters")

QUARTER_WORDS = {
    1: "at the start of the year",
    2: "in the second quarter",
    3: "in the third quarter",
    4: "in the fourth quarter",
}
BAND_WORDS = {
    "elementary": "in elementary school",
    "middle": "in middle school",
    "high": "in high school",
}
# "<counterfactual share> <would have ...> without it, <observed share> <did ...>"
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "on_time_graduation": ("would not have graduated on time", "did not"),
    "next_grade_success": (
        "would have been held back, dropped out, missed school chronically or failed a "
        "core course the next year",
        "did",
    ),
    "grade_3_reading": ("would not have read proficiently on the grade-3 state test", "did not"),
}
Z95 = 1.959963984540054
# The nuisance models stop when no unit's fitted probability moves more than this in a
# step (far below what changes an estimate, reported to 0.1 percentage point).
FIT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class EffectSettings:
    """What the dbt vars decide (models/ml/effects/_ml__effects.yml)."""

    min_treated: int = 30
    min_controls: int = 30
    folds: int = 3
    propensity_clip: float = 0.01
    seed: int = 20240901
    controls_per_treated: float = 10.0
    min_controls_fitted: int = 5000
    spline_knots: int = 4
    regularization_c: float = 1.0

    @classmethod
    def from_json(cls, text: str | None) -> EffectSettings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            min_treated=int(d.get("min_treated", base.min_treated)),
            min_controls=int(d.get("min_controls", base.min_controls)),
            folds=int(d.get("folds", base.folds)),
            propensity_clip=float(d.get("propensity_clip", base.propensity_clip)),
            seed=int(d.get("seed", base.seed)),
            controls_per_treated=float(d.get("controls_per_treated", base.controls_per_treated)),
            min_controls_fitted=int(d.get("min_controls_fitted", base.min_controls_fitted)),
            spline_knots=int(d.get("spline_knots", base.spline_knots)),
            regularization_c=float(d.get("regularization_c", base.regularization_c)),
        )


# ---------------------------------------------------------------- outcomes


def known_outcomes(labels: pd.DataFrame, last_complete_school_year: int | None) -> pd.DataFrame:
    """ml_labels rows usable as outcomes. Next-grade success only for school years whose
    next year is complete: in an open year the labels already known are the early ones
    (a dropout, a retention), mostly adverse. Graduation labels are whole cohorts
    already; grade-3 reading is cut in ``outcome_matrix`` by the on-time test year."""
    out = labels[["student_id", "school_year", "outcome", "is_adverse_outcome"]]
    if last_complete_school_year is None:
        return out
    keep = (out["outcome"] != "next_grade_success") | (
        out["school_year"] + 1 <= last_complete_school_year
    )
    return out[keep]


def outcome_matrix(
    risk_sets: pd.DataFrame, labels: pd.DataFrame, last_complete_school_year: int | None
) -> dict[str, np.ndarray]:
    """For each outcome, an array aligned with ``risk_sets``: 1.0 adverse, 0.0 not, NaN
    where the outcome is unknown or not defined for the unit's grade (grade-3 reading
    also NaN when the unit's on-time grade-3 test year is not complete)."""
    known = known_outcomes(labels, last_complete_school_year)
    students = pd.Index(
        pd.concat([risk_sets["student_id"], known["student_id"]]).astype(str).unique()
    )

    def keys(frame: pd.DataFrame) -> np.ndarray:
        code = students.get_indexer(frame["student_id"].astype(str))
        return code.astype(np.int64) * 10_000 + frame["school_year"].to_numpy(dtype=np.int64)

    unit_keys = keys(risk_sets)
    grade = risk_sets["grade_level"].to_numpy()
    out: dict[str, np.ndarray] = {}
    for outcome, (lo, hi) in OUTCOME_GRADES.items():
        lab = known[known["outcome"] == outcome]
        lab_keys = pd.Index(keys(lab))
        first = ~lab_keys.duplicated()
        adverse = lab["is_adverse_outcome"].astype(float).to_numpy()[first]
        at = pd.Index(lab_keys[first]).get_indexer(unit_keys)
        y = np.where(at >= 0, adverse[np.maximum(at, 0)] if len(adverse) else np.nan, np.nan)
        y = np.where((grade >= lo) & (grade <= hi), y, np.nan)
        if outcome == "grade_3_reading" and last_complete_school_year is not None:
            test_year = risk_sets["school_year"].to_numpy() + 3 - grade
            y = np.where(test_year <= last_complete_school_year, y, np.nan)
        out[outcome] = y
    return out


def student_folds(student_codes: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold 0..folds-1 of each row, the same for every row of a student: a seeded
    shuffle of the students (integer codes 0..S-1), dealt round-robin."""
    n_students = int(student_codes.max()) + 1 if len(student_codes) else 0
    order = np.random.default_rng(seed).permutation(n_students)
    fold_of = np.empty(n_students, dtype=np.int64)
    fold_of[order] = np.arange(n_students) % max(folds, 1)
    return fold_of[student_codes]


# ---------------------------------------------------------------- the basis


def _as_float(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def confounder_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each confounder as a float array (flags 0/1, missing NaN)."""
    out = {c: _as_float(frame, c) for c in (*SPLINE_COLUMNS, *INDICATOR_COLUMNS, *LINEAR_COLUMNS)}
    for c in FLAG_COLUMNS:
        out[c] = frame[c].astype("boolean").fillna(False).to_numpy(dtype=float)
    return out


def bspline_design(x: np.ndarray, knots: np.ndarray, degree: int = 3) -> np.ndarray:
    """B-spline basis (Cox-de Boor) on the clamped knot vector built from the sorted
    distinct ``knots``: n x (len(knots) + degree - 1); each row sums to 1 on
    [knots[0], knots[-1]] (values outside are clamped to it)."""
    t = np.concatenate([[knots[0]] * degree, knots, [knots[-1]] * degree])
    xc = np.clip(x, knots[0], knots[-1])
    # degree 0: the interval of each value (the last interval is closed on the right)
    j = np.clip(np.searchsorted(knots, xc, side="right") - 1, 0, len(knots) - 2) + degree
    basis = np.zeros((len(x), len(t) - 1))
    basis[np.arange(len(x)), j] = 1.0
    for d in range(1, degree + 1):
        nxt = np.zeros((len(x), len(t) - 1 - d))
        for i in range(len(t) - 1 - d):
            left_den = t[i + d] - t[i]
            right_den = t[i + d + 1] - t[i + 1]
            term = np.zeros(len(x))
            if left_den > 0:
                term += (xc - t[i]) / left_den * basis[:, i]
            if right_den > 0:
                term += (t[i + d + 1] - xc) / right_den * basis[:, i + 1]
            nxt[:, i] = term
        basis = nxt
    return basis


def spline_basis(x: np.ndarray, n_knots: int) -> np.ndarray:
    """Cubic B-splines with knots at ``n_knots`` evenly spaced quantiles of the observed
    values, without the first function (the intercept spans it); missing values -> the
    median, plus a missing indicator. A scaled linear term when there are too few
    distinct values."""
    miss = np.isnan(x)
    cols: list[np.ndarray] = []
    if miss.all():
        return np.zeros((len(x), 0))
    filled = np.where(miss, np.nanmedian(x), x)
    knots = np.unique(np.quantile(filled, np.linspace(0, 1, max(n_knots, 2))))
    if len(knots) >= 3:
        cols.append(bspline_design(filled, knots)[:, 1:])
    elif len(knots) == 2:
        cols.append(((filled - knots[0]) / (knots[1] - knots[0])).reshape(-1, 1))
    if miss.any():
        cols.append(miss.astype(float).reshape(-1, 1))
    return np.hstack(cols) if cols else np.zeros((len(x), 0))


def _indicators(x: np.ndarray, cap: int) -> np.ndarray:
    """Indicators of each level but the lowest (missing = level -1)."""
    codes = np.where(np.isnan(x), -1, np.clip(x, 0, cap)).astype(np.int64)
    levels = np.unique(codes)
    return (codes[:, None] == levels[None, 1:]).astype(float)


def design_matrix(
    conf: Mapping[str, np.ndarray], n_knots: int = 4, flags: tuple[str, ...] = FLAG_COLUMNS
) -> np.ndarray:
    """The flexible basis of the confounders for the rows given (arrays of equal
    length): splines, indicators, capped counts and the ``flags``; columns constant
    over the rows are dropped. School x school year enters the models as group
    coefficients (``k12ews.ml.logistic``)."""
    blocks: list[np.ndarray] = [spline_basis(conf[c], n_knots) for c in SPLINE_COLUMNS]
    blocks += [_indicators(conf[c], cap) for c, cap in INDICATOR_COLUMNS.items()]
    for c, cap in LINEAR_COLUMNS.items():
        x = conf[c]
        miss = np.isnan(x)
        blocks.append(np.clip(np.where(miss, 0.0, x), 0, cap).reshape(-1, 1))
        if miss.any():
            blocks.append(miss.astype(float).reshape(-1, 1))
    if flags:
        blocks.append(np.column_stack([conf[c] for c in flags]))
    d = np.hstack(blocks)
    keep = d.std(axis=0) > 1e-12
    return np.ascontiguousarray(d[:, keep])


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


# ---------------------------------------------------------------- fitting


@dataclass(frozen=True)
class CellDesign:
    """A cell's design matrix without copying it whole: row i is ``base[local[i]]``
    followed by ``extra[i]`` (the basis of the student-quarter, shared by the services'
    cells, and the service's own columns). ``CellDesign.of(x)`` wraps a plain matrix."""

    base: np.ndarray
    local: np.ndarray
    extra: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> CellDesign:
        return cls(np.asarray(x, dtype=float), np.arange(len(x)), np.zeros((len(x), 0)))

    @property
    def width(self) -> int:
        return self.base.shape[1] + self.extra.shape[1]

    def take(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), self.width))
        p = self.base.shape[1]
        out[:, :p] = self.base[self.local[rows]]
        out[:, p:] = self.extra[rows]
        return out

    def linear(self, rows: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """design[rows] @ coef."""
        p = self.base.shape[1]
        return (self.base @ coef[:p])[self.local[rows]] + self.extra[rows] @ coef[p:]


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


# ---------------------------------------------------------------- estimates


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


# ---------------------------------------------------------------- words


def _points(x: float) -> str:
    p = round(abs(x) * 100)
    if p == 0:
        return "no difference"
    return f"{p} point{'s' if p != 1 else ''} " + ("fewer" if x < 0 else "more")


def interval_words(low: float, high: float) -> str:
    """'3 to 9 points fewer', '2 to 5 points more', '4 points fewer to 1 point more'."""
    lo, hi = round(low * 100), round(high * 100)
    if hi < 0:
        return f"{-hi} to {-lo} points fewer"
    if lo > 0:
        return f"{lo} to {hi} points more"
    return f"{_points(low)} to {_points(high)}"


def _pct(x: float) -> str:
    return f"{round(x * 100)}%"


def grade_words(grade_band: str, start_grade: int | None) -> str:
    if start_grade is not None:
        return "in kindergarten" if start_grade == 0 else f"in grade {start_grade}"
    return BAND_WORDS.get(grade_band, f"in {grade_band}")


def quarter_words(start_quarter: int | None) -> str:
    if start_quarter is None:
        return "in any quarter"
    return QUARTER_WORDS.get(start_quarter, f"in quarter {start_quarter}")


def sentence(
    service_words: str,
    outcome: str,
    grade_band: str,
    start_grade: int | None,
    start_quarter: int | None,
    est: Estimate | None,
    reason: str | None = None,
) -> str:
    """The row in K-12 words from its own numbers, e.g. "Students who started mentoring
    in grade 9 at the start of the year: 41% would not have graduated on time without
    it, 35% did not; 95% interval 3 to 9 points fewer (naive comparison: 4 points
    more)." """
    who = (
        f"Students who started {service_words} {grade_words(grade_band, start_grade)} "
        f"{quarter_words(start_quarter)}"
    )
    if est is None:
        return f"{who}: no estimate ({reason or 'not estimated'})."
    adverse, happened = OUTCOME_WORDS.get(outcome, (f"would have had the adverse {outcome}", "did"))
    return (
        f"{who}: {_pct(est.counterfactual_adverse_rate)} {adverse} without it, "
        f"{_pct(est.treated_adverse_rate)} {happened}; 95% interval "
        f"{interval_words(est.ci_low, est.ci_high)} "
        f"(naive comparison with students who did not start it then: "
        f"{_points(est.naive_effect)})."
    )


# ---------------------------------------------------------------- the table

# the table's columns, in order (schema: k12ews.ml.schemas.ML_INTERVENTION_EFFECTS)
OUTPUT_COLUMNS = list(schemas.ML_INTERVENTION_EFFECTS)
_ESTIMATE_FIELDS = [
    c for c in OUTPUT_COLUMNS if c in Estimate.__dataclass_fields__ and c != "n_units"
]


def years_text(years: np.ndarray | Iterable[int]) -> str | None:
    """2017-2021, 2023 (runs of consecutive years)."""
    ys = [int(y) for y in np.unique(np.fromiter(years, dtype=np.int64))]
    if not ys:
        return None
    runs: list[str] = []
    start = prev = ys[0]
    for y in ys[1:]:
        if y != prev + 1:
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = y
        prev = y
    runs.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(runs)


@dataclass
class _Cell:
    """A service x outcome x band x quarter cell: its units (positions in the sorted
    risk sets), outcomes, fit (None when too small) and balance matrix."""

    rows: np.ndarray
    y: np.ndarray
    fit: CellFit | None = None
    grade_stats: dict[int, BalanceStats] | None = None  # balance sums per grade, once fitted

    def stats(self, grade: int | None) -> BalanceStats | None:
        """Balance sums of one grade's units, or of all of them."""
        if self.grade_stats is None:
            return None
        if grade is not None:
            return self.grade_stats[grade]
        total = None
        for st in self.grade_stats.values():
            total = st if total is None else total + st
        return total


class _Data:
    """The risk sets as arrays, sorted by their keys, and each grade band and quarter's
    design and balance matrices per student-quarter (shared by the services)."""

    def __init__(
        self,
        risk_sets: pd.DataFrame,
        labels: pd.DataFrame,
        last_complete_school_year: int | None,
        settings: EffectSettings,
    ) -> None:
        rs = risk_sets
        self.settings = settings
        student, _ = pd.factorize(rs["student_id"].astype(str), sort=True)
        service_code, services = pd.factorize(rs["service"].astype(str), sort=True)
        year = rs["school_year"].to_numpy(dtype=np.int64)
        quarter = rs["start_quarter"].to_numpy(dtype=np.int64)
        # rows in key order (student, school year, quarter, service): deterministic
        order = np.lexsort((service_code, quarter, year, student))
        self.student = student[order]
        self.school_year = year[order]
        self.quarter = quarter[order]
        self.service = np.asarray(services)[service_code[order]]
        self.grade = rs["grade_level"].to_numpy(dtype=np.int64)[order]
        self.band = rs["grade_band"].astype(str).to_numpy()[order]
        self.treated = rs["is_treated"].astype("boolean").fillna(False).to_numpy(dtype=bool)[order]
        sy = rs["school_id"].to_numpy(dtype=np.int64) * 10_000 + year
        sy_codes, sy_levels = pd.factorize(sy, sort=True)
        self.school_year_group = sy_codes[order]
        self.n_groups = len(sy_levels)
        self.had_service = (
            rs[SERVICE_SPECIFIC].astype("boolean").fillna(False).to_numpy(dtype=float)[order]
        )
        # student-quarters: the rows are sorted by student, year, quarter, then service
        new_sq = np.r_[
            True,
            (np.diff(self.student) != 0)
            | (np.diff(self.school_year) != 0)
            | (np.diff(self.quarter) != 0),
        ]
        self.sq = np.cumsum(new_sq) - 1
        first = order[np.flatnonzero(new_sq)]
        self.sq_conf = confounder_arrays(rs.iloc[first])
        self.sq_band = self.band[np.flatnonzero(new_sq)]
        self.sq_quarter = self.quarter[np.flatnonzero(new_sq)]
        self.outcomes = {
            k: v[order] for k, v in outcome_matrix(rs, labels, last_complete_school_year).items()
        }
        self.fold = student_folds(self.student, settings.folds, settings.seed)
        self.draws = np.random.default_rng(settings.seed).random(len(rs))
        self._shared: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def shared(self, band: str, quarter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The band and quarter's student-quarters (sorted ids), their design and their
        balance matrix (without the service-specific confounder); cached."""
        key = (band, quarter)
        if key not in self._shared:
            ids = np.flatnonzero((self.sq_band == band) & (self.sq_quarter == quarter))
            conf = {c: v[ids] for c, v in self.sq_conf.items()}
            self._shared[key] = (
                ids,
                design_matrix(conf, self.settings.spline_knots, SHARED_FLAGS),
                balance_matrix(conf, SHARED_CONFOUNDERS),
            )
        return self._shared[key]

    def release(self, band: str) -> None:
        for key in [k for k in self._shared if k[0] == band]:
            del self._shared[key]

    def matrices(self, rows: np.ndarray) -> tuple[CellDesign, np.ndarray]:
        """Design (uncopied) and balance matrices of the rows (one band and quarter)."""
        band, quarter = str(self.band[rows[0]]), int(self.quarter[rows[0]])
        ids, design, balance = self.shared(band, quarter)
        local = np.searchsorted(ids, self.sq[rows])
        had = self.had_service[rows]
        b = np.empty((len(rows), balance.shape[1] + 1))
        b[:, :-1] = balance[local]
        b[:, -1] = had
        return CellDesign(design, local, had.reshape(-1, 1)), b


def _sum_stats(stats: list[BalanceStats | None]) -> BalanceStats | None:
    total: BalanceStats | None = None
    for st in stats:
        if st is None:
            return None
        total = st if total is None else total + st
    return total


def _row(
    data: _Data,
    cell_level: str,
    key: tuple[str, str, str],
    start_grade: int | None,
    start_quarter: int | None,
    parts: list[tuple[_Cell, np.ndarray]],
    reason: str | None,
    settings: EffectSettings,
    description: str,
) -> dict[str, object]:
    """One output row from subsets (a mask per cell) of one or more cells."""
    service, outcome, band = key
    rows = np.concatenate([c.rows[m] for c, m in parts]) if parts else np.empty(0, dtype=int)
    y = np.concatenate([c.y[m] for c, m in parts]) if parts else np.empty(0)
    t = data.treated[rows]
    n_t, n_c = int(t.sum()), int((~t).sum())
    fits = [(c.fit, c.stats(start_grade), m) for c, m in parts if c.fit is not None]
    if reason is None and n_t < settings.min_treated:
        reason = f"fewer than {settings.min_treated} students started it ({n_t})"
    if reason is None and n_c < settings.min_controls:
        reason = f"fewer than {settings.min_controls} students did not start it ({n_c})"
    if reason is None and len(fits) < len(parts):
        reason = "its grade band and quarter were too small to fit"
    est = None
    if reason is None:
        est = estimate(
            t,
            y,
            np.concatenate([f.propensity[m] for f, _, m in fits]),
            np.concatenate([f.m0[m] for f, _, m in fits]),
            np.concatenate([f.is_clipped[m] for f, _, m in fits]),
            data.student[rows],
            _sum_stats([b for _, b, _ in fits]),
        )
    grade_key = "all" if start_grade is None else str(start_grade)
    quarter_key = "all" if start_quarter is None else f"q{start_quarter}"
    row: dict[str, object] = {
        "cell_id": f"{service}|{outcome}|{band}|{grade_key}|{quarter_key}",
        "cell_level": cell_level,
        "service": service,
        "service_description": description,
        "outcome": outcome,
        "grade_band": band,
        "start_grade": start_grade,
        "start_quarter": start_quarter,
        "school_years": years_text(data.school_year[rows]),
        "n_units": len(rows),
        "n_treated": n_t,
        "n_controls": n_c,
        "n_students": int(np.count_nonzero(np.bincount(data.student[rows]))) if len(rows) else 0,
        "treated_adverse_rate": float(y[t].mean()) if n_t else None,
        "control_adverse_rate": float(y[~t].mean()) if n_c else None,
        "fitted_units": sum(f.fitted_units for f, _, _ in fits)
        if cell_level != "grade_quarter" and fits
        else None,
        "propensity_clip": settings.propensity_clip,
        "controls_outside_support": int(
            sum(
                int(f.outside_support[m].sum()) for f, _, m in fits if f.outside_support is not None
            )
        )
        if est is not None
        else None,
        "is_estimated": est is not None,
        "reason": reason,
    }
    if est is not None:
        row.update({k: getattr(est, k) for k in _ESTIMATE_FIELDS})
    row["sentence"] = sentence(
        description.lower(), outcome, band, start_grade, start_quarter, est, reason
    )
    return row


def _band_rows(
    data: _Data,
    band: str,
    cells: Mapping[tuple[str, str, int], _Cell],
    settings: EffectSettings,
    descriptions: Mapping[str, str],
) -> list[dict[str, object]]:
    """The output rows of one grade band: per service x outcome, each quarter's row, its
    grades' rows, and the row pooled over the fitted quarters."""
    rows: list[dict[str, object]] = []
    for service, outcome in sorted({(s, o) for s, o, _ in cells}):
        key = (service, outcome, band)
        description = descriptions.get(service, service.lower())
        quarter_cells = [
            (q, cells[(service, outcome, q)]) for q in QUARTERS if (service, outcome, q) in cells
        ]
        for q, cell in quarter_cells:
            everything = np.ones(len(cell.rows), dtype=bool)
            rows.append(
                _row(
                    data,
                    "grade_band_quarter",
                    key,
                    None,
                    q,
                    [(cell, everything)],
                    None,
                    settings,
                    description,
                )
            )
            grades = data.grade[cell.rows]
            for g in np.unique(grades):
                rows.append(
                    _row(
                        data,
                        "grade_quarter",
                        key,
                        int(g),
                        q,
                        [(cell, grades == g)],
                        None,
                        settings,
                        description,
                    )
                )
        fitted = [
            (c, np.ones(len(c.rows), dtype=bool)) for _, c in quarter_cells if c.fit is not None
        ]
        everything_parts = [(c, np.ones(len(c.rows), dtype=bool)) for _, c in quarter_cells]
        rows.append(
            _row(
                data,
                "grade_band_all_quarters",
                key,
                None,
                None,
                fitted or everything_parts,
                None if fitted else "no quarter was large enough to fit",
                settings,
                description,
            )
        )
    return rows


def intervention_effects(
    risk_sets: pd.DataFrame,
    labels: pd.DataFrame,
    last_complete_school_year: int | None,
    settings: EffectSettings | None = None,
    service_descriptions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The ml_intervention_effects table (grain cell_id): per service x outcome x grade
    band x start quarter (the fitted cells), per start grade x quarter within each, and
    per band pooled over its fitted quarters.

    ``risk_sets``: ml_service_risk_sets; ``labels``: ml_labels; ``last_complete_school_year``:
    the latest school year whose end is on or before the as-of date."""
    settings = settings or EffectSettings()
    descriptions = dict(service_descriptions or {})
    if risk_sets.empty:
        return typed.empty(schemas.ML_INTERVENTION_EFFECTS)
    data = _Data(risk_sets, labels, last_complete_school_year, settings)
    index = (
        pd.DataFrame({"band": data.band, "quarter": data.quarter, "service": data.service})
        .groupby(["band", "quarter", "service"], sort=True)
        .indices
    )
    out: list[dict[str, object]] = []
    # one BLAS thread: the models are many and small, and the machine is shared
    with threadpool_limits(1):
        for band, (b_lo, b_hi) in BANDS.items():
            cells: dict[tuple[str, str, int], _Cell] = {}
            for q in QUARTERS:
                for service in sorted({s for b, qq, s in index if b == band and qq == q}):
                    idx = index[(band, q, service)]
                    # the outcomes' models share the basis: each starts from the last's
                    start: tuple[logistic.LogisticFit | None, logistic.LogisticFit | None]
                    start = (None, None)
                    for outcome, (o_lo, o_hi) in OUTCOME_GRADES.items():
                        if max(o_lo, b_lo) > min(o_hi, b_hi):
                            continue
                        y_all = data.outcomes[outcome][idx]
                        keep = ~np.isnan(y_all)
                        if not keep.any():
                            continue
                        cell = _Cell(idx[keep], y_all[keep])
                        t = data.treated[cell.rows]
                        n_t = int(t.sum())
                        if n_t >= settings.min_treated and len(t) - n_t >= settings.min_controls:
                            design, balance = data.matrices(cell.rows)
                            cell.fit = fit_cell(
                                design,
                                data.school_year_group[cell.rows],
                                t,
                                cell.y,
                                data.fold[cell.rows],
                                data.draws[cell.rows],
                                settings,
                                data.n_groups,
                                start,
                                outside_treated_support(
                                    {
                                        c: data.sq_conf[c][data.sq[cell.rows]]
                                        for c in SPLINE_COLUMNS
                                    },
                                    t,
                                ),
                            )
                            start = cell.fit.last_models
                            grades, grade_codes = np.unique(
                                data.grade[cell.rows], return_inverse=True
                            )
                            fit = cell.fit
                            w = fit.propensity / (1.0 - fit.propensity)
                            stats = grouped_balance_stats(
                                balance, t, w[~t], grade_codes, len(grades)
                            )
                            cell.grade_stats = dict(zip(grades.tolist(), stats, strict=True))
                        cells[(service, outcome, q)] = cell
            out += _band_rows(data, band, cells, settings, descriptions)
            data.release(band)
    table = pd.DataFrame(out, columns=OUTPUT_COLUMNS)
    order = pd.DataFrame(
        {
            "service": table["service"],
            "outcome": table["outcome"].map({o: i for i, o in enumerate(OUTCOME_GRADES)}),
            "band": table["grade_band"].map({b: i for i, b in enumerate(BANDS)}),
            "quarter": table["start_quarter"].fillna(9),
            "level": table["cell_level"].map({c: i for i, c in enumerate(CELL_LEVELS)}),
            "grade": table["start_grade"].fillna(-1),
        }
    )
    table = table.iloc[order.sort_values(list(order.columns), kind="mergesort").index]
    return typed.coerce(table, schemas.ML_INTERVENTION_EFFECTS)
