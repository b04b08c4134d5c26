"""The risk sets as arrays sorted by their keys (``RiskSetArrays``), with each grade
band and quarter's design and balance matrices per student-quarter (shared by the
services), and the cells of units the effects are fitted on (``Cell``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.ml.effects.aipw import CellFit
from k12ews.ml.effects.balance import BalanceStats, balance_matrix
from k12ews.ml.effects.design import (
    SERVICE_SPECIFIC,
    SHARED_CONFOUNDERS,
    SHARED_FLAGS,
    CellDesign,
    confounder_arrays,
    design_matrix,
    outcome_matrix,
    student_folds,
)
from k12ews.ml.effects.settings import EffectSettings


@dataclass
class Cell:
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


class RiskSetArrays:
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
