"""The success-metric tables (#14): what the generator adds beside the SIS tables.

``tables`` is the one hook: :func:`k12ews.synth.assemble.assemble` calls it with the
finished simulation, and it returns the raw tables of

- :mod:`k12ews.synth.wellbeing`: the social-emotional screener and the climate survey;
- :mod:`k12ews.synth.interims`: the math interim assessments;
- :mod:`k12ews.synth.college`: advanced coursework, the college-readiness exam, CTE,
  FAFSA completion and the clearinghouse's post-secondary enrollment records;

and the truth rows of the college-enrollment draws. Each table is drawn from the latent
traits of the year (``truth_student_year``: ability, subject abilities, engagement,
poverty, true absence rate) and the persistent ones (``pop``: behaviour, disability),
with its own random stream (seed + 14_014), so the SIS tables are the same with or
without these.

A student is tested or surveyed at the school of the spell covering the window's day;
the last, partial year keeps only what happened by the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.synth.assemble import to_date

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


def school_date(school_year: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The date of axis ``day``, moved off a weekend to the Monday after."""
    d = to_date(school_year, day)
    weekday = (d.astype("datetime64[D]").astype(np.int64) + 3) % 7  # Monday = 0
    shift = np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    return d + shift.astype("timedelta64[D]")


def tables(
    pop: dict[str, np.ndarray],
    ty: pd.DataFrame,
    spells: pd.DataFrame,
    course_grades: pd.DataFrame,
    sid_to_id: np.ndarray,
    school_ids: np.ndarray,
    last: int,
    as_of_day: int,
    seed: int,
    poverty_mean: float,
    ib_school: int,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The success tables (raw) and the college-enrollment draws (truth rows of
    ``outcome_draws``: sid, school_year, event, probability, occurred)."""
    from k12ews.synth import college, interims, wellbeing

    ctx = Context(
        rng=np.random.default_rng(seed + STREAM),
        pop=pop,
        ty=ty.set_index(["sid", "school_year"]),
        spells=spells,
        sid_to_id=sid_to_id,
        school_ids=school_ids,
        last=last,
        as_of_day=as_of_day,
        poverty_mean=poverty_mean,
        ib_school=ib_school,
    )
    raw: dict[str, pd.DataFrame] = {}
    sel = wellbeing.screener(ctx)
    raw["sel_screener_results"] = sel
    raw["climate_survey_responses"] = wellbeing.climate_survey(ctx)
    raw["math_interim_assessments"] = interims.math_interims(ctx)
    hs, truth = college.high_school_tables(ctx, course_grades)
    raw.update(hs)
    return raw, truth
