"""What the success-metric tables (:mod:`k12ews.synth.success`) are drawn from: the
finished simulation's students, traits and spells, and their dates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.synth.calendar import axis_start

STREAM = 14_014  # added to the generation's seed: the success tables' own random stream
TRAITS = (
    "ability",
    "reading_ability",
    "math_ability",
    "engagement",
    "poverty",
    "true_absence_rate",
)
# the state test's scale (k12ews.synth.academics.TestDesign): subject abilities have this
# mean and spread in the national reference population
NATIONAL_MEAN = 0.12
NATIONAL_SD = 1.12


@dataclass
class Context:
    """What the success tables are drawn from."""

    rng: np.random.Generator
    pop: dict[str, np.ndarray]
    ty: pd.DataFrame  # truth_student_year, indexed by (sid, school_year)
    spells: pd.DataFrame  # enrollment spells known by the as-of date (sid, school, ...)
    sid_to_id: np.ndarray
    school_ids: np.ndarray
    last: int
    as_of_day: int
    poverty_mean: float
    ib_school: int  # the high school (simulation index) with an IB programme

    def national_z(self, ability: np.ndarray) -> np.ndarray:
        """A subject ability on the national reference scale (mean 0, sd 1)."""
        return (np.asarray(ability, dtype=float) - NATIONAL_MEAN) / NATIONAL_SD

    def enrolled_on(self, day: int, grades: tuple[int, ...], spread: int = 10) -> pd.DataFrame:
        """Students enrolled on axis ``day`` of each school year in ``grades``, at the
        school of that spell, with their traits and a test day in the ``spread``
        school-week days from ``day`` (on or before the as-of date in the last year)."""
        sp = self.spells
        m = (
            (sp["start"].to_numpy() <= day)
            & (sp["end"].to_numpy() >= day)
            & np.isin(sp["grade_level"].to_numpy(), grades)
        )
        out = sp.loc[m, ["sid", "school", "school_year", "grade_level"]]
        out = out.drop_duplicates(["sid", "school_year"]).reset_index(drop=True)
        test_day = day + self.rng.integers(0, spread, len(out))
        out = out.assign(day=test_day)
        keep = (out["school_year"].to_numpy() != self.last) | (test_day <= self.as_of_day)
        out = out.loc[keep].reset_index(drop=True)
        traits = self.ty.reindex(pd.MultiIndex.from_arrays([out["sid"], out["school_year"]]))
        out = pd.concat([out, traits[list(TRAITS)].reset_index(drop=True)], axis=1)
        return out.loc[out["engagement"].notna().to_numpy()].reset_index(drop=True)

    def ids(self, df: pd.DataFrame) -> dict[str, np.ndarray]:
        """The contract's student and school ids and school year of ``df``'s rows."""
        return {
            "student_id": self.sid_to_id[df["sid"].to_numpy()],
            "school_id": self.school_ids[df["school"].to_numpy()],
            "school_year": df["school_year"].to_numpy(),
        }


def axis_date(school_year: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The date of axis ``day`` of school year ``school_year`` (day 0 is 1 August)."""
    years = np.asarray(school_year, dtype=np.int64)
    starts = {int(y): np.datetime64(axis_start(int(y)), "D") for y in np.unique(years)}
    first = np.array([starts[int(y)] for y in years], dtype="datetime64[D]")
    return first + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")


def school_date(school_year: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The date of axis ``day``, moved off a weekend to the Monday after."""
    d = axis_date(school_year, day)
    weekday = (d.astype("datetime64[D]").astype(np.int64) + 3) % 7  # Monday = 0
    shift = np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    return d + shift.astype("timedelta64[D]")
