"""The changes still possible in the rest of a school year, as steps a student can take
and the model inputs each step moves (``k12ews.ml.risk.recourse`` searches them).

A lever moves only indicators the seed ``ml_feature_directions`` ties to it
(``recourse_lever``) and only from values on record: a missing value is not a change to
suggest. Step 0 is the student's record as it is: each lever assumes the rest of the year
goes as the year so far (the same share of days missed, late, the same marks), and a step
changes that by one unit:

- ``attendance``: one more of the school days left attended. Of the days after the
  decision date the year's rates will count (``school_days_after_decision`` = D, of which
  ``school_days_left`` = R still to come), a student who has missed a share p of d days
  would miss p * R of those left; attending k of them instead lowers the year's absence
  rate to p - k / (d + D), the unexcused rate in proportion (the same mix of absences),
  and the latest quarter's rate by k / R. At most floor(p * R) steps: no more days than
  the student would miss, never more than the days left.
- ``punctuality``: one more of the days left arrived on time; the late rate falls by
  1 / (d + D), at most floor(t * R) steps.
- ``marks``: the terms still to come, marked 0.1 grade point higher on average than the
  year so far; with ``gpa_terms_ended`` of ``gpa_terms_in_year`` terms done, the year's
  GPA rises by 0.1 times the share of terms still to come, up to the top of the scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

MARK_STEP = 0.1  # grade points a step raises the terms still to come


@dataclass(frozen=True)
class Lever:
    """One lever for a set of students: the largest number of steps each can take
    (``steps``, 0 = the lever is not open to the student) and, per model input it moves,
    the value after k = 0, 1, ..., max(steps) steps (n x (max + 1))."""

    name: str
    steps: np.ndarray
    values: dict[str, np.ndarray]

    @property
    def width(self) -> int:
        return int(self.steps.max()) + 1 if len(self.steps) else 1

    def rows(self, mask: np.ndarray) -> Lever:
        """The lever for the students ``mask`` selects."""
        return Lever(self.name, self.steps[mask], {f: v[mask] for f, v in self.values.items()})


@dataclass(frozen=True)
class Student:
    """What the levers read for each student: model inputs (``x``: column -> values,
    NaN = not on record), days and terms from ml_features and ml_rest_of_year."""

    x: Mapping[str, np.ndarray]
    days_enrolled: np.ndarray
    days_after_decision: np.ndarray
    days_left: np.ndarray
    terms_ended: np.ndarray
    terms_in_year: np.ndarray
    gpa_maximum: np.ndarray

    @classmethod
    def from_frames(cls, x: Mapping[str, np.ndarray], rows: pd.DataFrame) -> Student:
        def col(name: str) -> np.ndarray:
            return pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype=float)

        return cls(
            x=x,
            days_enrolled=col("days_enrolled_to_date"),
            days_after_decision=col("school_days_after_decision"),
            days_left=col("school_days_left"),
            terms_ended=col("gpa_terms_ended"),
            terms_in_year=col("gpa_terms_in_year"),
            gpa_maximum=col("gpa_scale_maximum"),
        )

    def __len__(self) -> int:
        return len(self.days_enrolled)


def _floor_steps(limit: np.ndarray) -> np.ndarray:
    """Whole steps up to ``limit`` (a hair of rounding allowed), 0 where unknown."""
    out = np.floor(np.nan_to_num(limit, nan=0.0) + 1e-9)
    return np.clip(out, 0, None).astype(np.int64)


def _k(width: int) -> np.ndarray:
    return np.arange(width, dtype=float)[None, :]


def _attendance(s: Student, moved: list[str]) -> Lever:
    p = s.x.get("absence_rate_to_date", np.full(len(s), np.nan))
    span = s.days_enrolled + s.days_after_decision
    ok = (p > 0) & (s.days_enrolled > 0) & (s.days_left > 0)
    for f in moved:
        ok &= ~np.isnan(s.x[f])
    steps = np.where(ok, _floor_steps(p * s.days_left), 0)
    width = int(steps.max()) + 1 if len(steps) else 1
    k = _k(width)
    values: dict[str, np.ndarray] = {}
    safe_span = np.where(span > 0, span, 1.0)[:, None]
    safe_p = np.where(p > 0, p, 1.0)[:, None]
    safe_left = np.where(s.days_left > 0, s.days_left, 1.0)[:, None]
    for f in moved:
        now = s.x[f][:, None]
        if f == "absence_rate_to_date":
            values[f] = now - k / safe_span
        elif f == "unexcused_absence_rate_to_date":
            values[f] = now * (1.0 - k / (safe_p * safe_span))
        elif f == "latest_quarter_absence_rate":
            values[f] = np.maximum(now - k / safe_left, 0.0)
        else:
            raise KeyError(f"no attendance rule for {f!r}")
    return Lever("attendance", steps, values)


def _punctuality(s: Student, moved: list[str]) -> Lever:
    if moved != ["tardy_rate_to_date"]:
        raise KeyError(f"no punctuality rule for {moved!r}")
    t = s.x["tardy_rate_to_date"]
    span = s.days_enrolled + s.days_after_decision
    ok = (t > 0) & (s.days_enrolled > 0) & (s.days_left > 0)
    steps = np.where(ok, _floor_steps(t * s.days_left), 0)
    width = int(steps.max()) + 1 if len(steps) else 1
    safe_span = np.where(span > 0, span, 1.0)[:, None]
    return Lever("punctuality", steps, {"tardy_rate_to_date": t[:, None] - _k(width) / safe_span})


def to_come_share(s: Student) -> np.ndarray:
    """The share of the year's GPA terms still to come (0 where unknown)."""
    total = np.where(s.terms_in_year > 0, s.terms_in_year, np.nan)
    share = (s.terms_in_year - s.terms_ended) / total
    return np.nan_to_num(np.clip(share, 0, 1), nan=0.0)


def _marks(s: Student, moved: list[str]) -> Lever:
    if moved != ["gpa_to_date"]:
        raise KeyError(f"no marks rule for {moved!r}")
    g = s.x["gpa_to_date"]
    share = to_come_share(s)
    ok = ~np.isnan(g) & (s.terms_ended >= 1) & (share > 0) & ~np.isnan(s.gpa_maximum)
    steps = np.where(ok, _floor_steps((s.gpa_maximum - g) / MARK_STEP), 0)
    width = int(steps.max()) + 1 if len(steps) else 1
    gpa = g[:, None] + MARK_STEP * _k(width) * share[:, None]
    return Lever("marks", steps, {"gpa_to_date": gpa})


RULES: dict[str, Callable[[Student, list[str]], Lever]] = {
    "attendance": _attendance,
    "punctuality": _punctuality,
    "marks": _marks,
}


def levers(
    student: Student, lever_of: Mapping[str, str], model_features: list[str], signs: list[int]
) -> list[Lever]:
    """The levers open to a model: each moves the model's constrained inputs the seed
    ties to it (inputs the model does not use, or uses without a direction, stay put)."""
    sign = dict(zip(model_features, signs, strict=True))
    out = []
    for name, rule in RULES.items():
        moved = [f for f, lv in lever_of.items() if lv == name and sign.get(f, 0) != 0]
        moved = [f for f in model_features if f in moved]
        if moved:
            out.append(rule(student, moved))
    unknown = set(lever_of.values()) - set(RULES)
    if unknown:
        raise KeyError(f"seed ml_feature_directions names levers with no rule: {sorted(unknown)}")
    return out
