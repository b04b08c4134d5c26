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

import numpy as np
import pandas as pd

from k12ews.synth import college, interims, wellbeing
from k12ews.synth.success_context import STREAM, Context


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
