"""The units and the basis of the intervention-effect models: each unit's outcomes
(``outcome_matrix``) and fold (``student_folds``), the confounders of the risk sets and
their flexible basis (``design_matrix``: cubic B-splines, indicators, capped counts,
flags), and a cell's design matrix without copying it whole (``CellDesign``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.ml.vocabulary import GRADUATION, NEXT_GRADE, READING

KEYS = ["student_id", "school_year", "start_quarter", "service"]

# Outcomes and the grades they are defined for (ml_labels).
OUTCOME_GRADES: dict[str, tuple[int, int]] = {
    NEXT_GRADE: (0, 12),
    GRADUATION: (6, 12),
    READING: (0, 2),
}

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


# ---------------------------------------------------------------- outcomes


def known_outcomes(labels: pd.DataFrame, last_complete_school_year: int | None) -> pd.DataFrame:
    """ml_labels rows usable as outcomes. Next-grade success only for school years whose
    next year is complete: in an open year the labels already known are the early ones
    (a dropout, a retention), mostly adverse. Graduation labels are whole cohorts
    already; grade-3 reading is cut in ``outcome_matrix`` by the on-time test year."""
    out = labels[["student_id", "school_year", "outcome", "is_adverse_outcome"]]
    if last_complete_school_year is None:
        return out
    keep = (out["outcome"] != NEXT_GRADE) | (out["school_year"] + 1 <= last_complete_school_year)
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
        if outcome == READING and last_complete_school_year is not None:
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
    coefficients (``k12ews.ml.effects.logistic``)."""
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
