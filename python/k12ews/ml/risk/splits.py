"""Out-of-time splits: learn from earlier cohorts, choose and calibrate on the next one,
test on the most recent cohorts whose outcome is known.

A school year is *complete* for an outcome when nearly all its students' outcomes are
known (at least ``min_coverage`` times the best year's share). Later years with only some
outcomes known are left out altogether: which outcomes are known early can depend on the
outcome itself (a graduate's next-grade outcome is known at once, a retained student's a
year later), so they would bias every figure. Earlier years with partial coverage (the
first cohorts of the extract) are used for training only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


class InsufficientHistoryError(ValueError):
    """Too few school years with known outcomes to train, choose and test a model."""


@dataclass(frozen=True)
class CohortSplit:
    train_years: tuple[int, ...]
    validation_years: tuple[int, ...]
    test_years: tuple[int, ...]

    def role(self, year: int) -> str | None:
        if year in self.train_years:
            return "train"
        if year in self.validation_years:
            return "validation"
        if year in self.test_years:
            return "test"
        return None

    @staticmethod
    def label(years: tuple[int, ...]) -> str:
        if not years:
            return ""
        if len(years) == 1:
            return str(years[0])
        return f"{min(years)}-{max(years)}"


def coverage_by_year(rows: pd.DataFrame, labelled: pd.Series) -> pd.Series:
    """Share of the rows of each school year with a known outcome."""
    return labelled.groupby(rows["school_year"]).mean().sort_index()


def cohort_split(
    coverage: pd.Series, min_coverage: float = 0.8, test_years: int = 2
) -> CohortSplit:
    """Years by role from each year's outcome coverage (index: school year)."""
    if coverage.empty or coverage.max() <= 0:
        raise InsufficientHistoryError("no school year has known outcomes")
    complete = [int(y) for y, c in coverage.items() if c >= min_coverage * coverage.max()]
    last_complete = max(complete)
    complete = [y for y in complete if y <= last_complete]
    # test on the latest complete years; with few years, on one
    n_test = test_years if len(complete) >= test_years + 2 else 1
    if len(complete) < n_test + 1:
        raise InsufficientHistoryError(
            f"{len(complete)} school year(s) with outcomes known; need at least {n_test + 1} "
            "complete ones plus earlier years to learn from"
        )
    test = tuple(complete[-n_test:])
    validation = (complete[-n_test - 1],)
    train = tuple(int(y) for y, c in coverage.items() if int(y) < validation[0] and c > 0)
    if not train:
        raise InsufficientHistoryError(
            f"no school year with known outcomes before {validation[0]} to learn from"
        )
    return CohortSplit(train_years=train, validation_years=validation, test_years=test)
