"""The typical student every explanation is measured against: per grade, the district's
median student of that grade at the model's decision point, over every school year on
record (the current one included).

For each model input column and grade, the typical value is the median of the values on
record, or none when fewer than half the grade's students have one (a typical
kindergartener has no attendance from last year; at the end of quarter 1 a typical
grade-9 student has no marks yet). The model reads a missing value as it always does
(``fill``: missing, or the stand-in of a missing test level), so the typical student is
a row the model can score. A grade the training cohorts did not have falls back to the
band's typical student.

Measured against this student, an explanation reads "missed 12% of days; a typical
grade-9 student: 5%", and with the direction constraints (``k12ews.ml.risk.monotone``) an
adverse indicator above the typical value can only raise the risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A typical value is stated only where at least this share of the grade has one on record.
MIN_KNOWN_SHARE = 0.5


def _medians(x: np.ndarray, known: np.ndarray) -> np.ndarray:
    out = np.full(x.shape[1], np.nan)
    if len(x) == 0:
        return out
    for i in range(x.shape[1]):
        k = known[:, i]
        if k.mean() >= MIN_KNOWN_SHARE:
            out[i] = float(np.median(x[k, i]))
    return out


def _clean(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in values]


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@dataclass(frozen=True)
class TypicalStudents:
    """Typical record values per grade (NaN: the typical student has none) and the value
    a model input takes when missing (``fill``: NaN, or a stand-in)."""

    by_grade: dict[int, np.ndarray]
    overall: np.ndarray
    fill: np.ndarray

    @classmethod
    def fit(
        cls, x: np.ndarray, known: np.ndarray, grades: np.ndarray, fill: np.ndarray
    ) -> TypicalStudents:
        """From training inputs ``x``, which of them are on record (``known``), each row's
        grade, and each column's value when missing."""
        x = np.asarray(x, dtype=float)
        known = np.asarray(known, dtype=bool) & ~np.isnan(x)
        grades = np.asarray(grades)
        by_grade = {int(g): _medians(x[grades == g], known[grades == g]) for g in np.unique(grades)}
        return cls(by_grade=by_grade, overall=_medians(x, known), fill=np.asarray(fill, float))

    def record(self, grades: np.ndarray) -> np.ndarray:
        """Per row, the typical student's values on record for the row's grade."""
        grades = np.asarray(grades)
        out = np.tile(self.overall, (len(grades), 1))
        for g, values in self.by_grade.items():
            out[grades == g] = values
        return out

    def inputs(self, grades: np.ndarray) -> np.ndarray:
        """Per row, the typical student as the model reads it."""
        rec = self.record(grades)
        return np.where(np.isnan(rec), self.fill, rec)

    def to_dict(self) -> dict[str, object]:
        return {
            "by_grade": {str(g): _clean(v) for g, v in sorted(self.by_grade.items())},
            "overall": _clean(self.overall),
            "fill": _clean(self.fill),
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> TypicalStudents:
        by_grade = d["by_grade"]
        assert isinstance(by_grade, dict)
        return cls(
            by_grade={int(g): _array(v) for g, v in by_grade.items()},
            overall=_array(d["overall"]),  # type: ignore[arg-type]
            fill=_array(d["fill"]),  # type: ignore[arg-type]
        )
