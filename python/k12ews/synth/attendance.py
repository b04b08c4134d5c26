"""Daily attendance: who is absent, late or leaves early on each enrolled school day.

The daily absence probability is a logistic model of the student's year-level
propensity (engagement, poverty, health, homelessness, a persistent personal
tendency, grade and year effects, the school), a within-year trend, and
day effects (Mondays and Fridays, winter illness season, the days around
breaks and the last weeks of the year). Absences are split into excused and
unexcused and a share are half days; tardies and early departures fall on days
the student is present. Only exceptions are written: no event while enrolled
on an instructional day means present.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from k12ews.synth.calendar import axis_start
from k12ews.synth.people import logistic

# event codes (raw) -> small ints used inside the simulation
EA, UA, TARDY, EARLY = 1, 2, 3, 4
EVENT_CODES = {EA: "EA", UA: "UA", TARDY: "T", EARLY: "ED"}


def day_effects(school_year: int, n_days: int, instructional_any: np.ndarray) -> np.ndarray:
    """Logit shift of absence for each day of the year axis (same for every school)."""
    start = axis_start(school_year)
    eff = np.zeros(n_days, dtype=np.float32)
    weekday = (np.arange(n_days) + start.weekday()) % 7
    eff[weekday == 0] += 0.10
    eff[weekday == 4] += 0.22
    month = np.array([(start + dt.timedelta(days=int(i))).month for i in range(n_days)])
    eff[np.isin(month, (12, 1, 2))] += 0.18
    eff[month == 9] -= 0.15
    # days next to a break or holiday
    instr = np.flatnonzero(instructional_any)
    gaps = np.diff(instr)
    after = instr[1:][gaps > 3]
    before = instr[:-1][gaps > 3]
    eff[after] += 0.12
    eff[before] += 0.25
    # the last two weeks of the year
    if len(instr):
        eff[instr[-10:]] += 0.35
    return eff


@dataclass
class AttendanceDraw:
    """Events drawn for the days of one pass (a quarter) of one year."""

    row: np.ndarray  # roster row
    day: np.ndarray  # axis day
    code: np.ndarray  # EA/UA/TARDY/EARLY
    duration: np.ndarray  # fraction of the day missed
    minutes: np.ndarray
    absent_weight: np.ndarray  # per roster row: days absent (weighted by duration)
    unexcused_weight: np.ndarray
    enrolled_days: np.ndarray  # per roster row: instructional days enrolled in the pass
    expected_absent: np.ndarray  # per roster row: sum of true daily absence probability


def draw_days(
    rng: np.random.Generator,
    enrolled: np.ndarray,  # bool (n_rows, n_days): enrolled on an instructional day
    base_logit: np.ndarray,  # (n_rows,)
    trend: np.ndarray,  # (n_rows,) logit change over the whole year
    year_fraction: np.ndarray,  # (n_days,) 0..1 through the school year
    day_effect: np.ndarray,  # (n_days,)
    excused_logit: np.ndarray,  # (n_rows,)
    tardy_logit: np.ndarray,  # (n_rows,)
    days: slice,
) -> AttendanceDraw:
    """Draw the attendance exceptions for the days in ``days``."""
    en = enrolled[:, days]
    logit = (
        base_logit[:, None].astype(np.float32)
        + day_effect[None, days]
        + trend[:, None].astype(np.float32) * year_fraction[None, days]
    )
    p = logistic(logit).astype(np.float32)
    p[~en] = 0.0
    u = rng.random(en.shape, dtype=np.float32)
    absent = u < p
    r, d = np.nonzero(absent)
    n_abs = len(r)
    excused = rng.random(n_abs) < logistic(excused_logit[r])
    half = rng.random(n_abs) < 0.08
    dur = np.where(half, 0.5, 1.0)
    a_minutes = np.where(half, rng.integers(150, 211, n_abs), 390)
    code = np.where(excused, EA, UA)
    # tardies and early departures on present days
    present = en & ~absent
    u2 = rng.random(en.shape, dtype=np.float32)
    pt = logistic(tardy_logit).astype(np.float32)
    tardy = present & (u2 < pt[:, None])
    early = present & ~tardy & (u2 > 1 - 0.007)
    tr, td = np.nonzero(tardy)
    er, ed = np.nonzero(early)
    t_min = rng.integers(3, 46, len(tr))
    e_min = rng.integers(45, 181, len(er))
    rows = np.concatenate([r, tr, er])
    dd = np.concatenate([d, td, ed]) + (days.start or 0)
    codes = np.concatenate([code, np.full(len(tr), TARDY), np.full(len(er), EARLY)])
    durations = np.concatenate([dur, t_min / 390.0, e_min / 390.0])
    minutes = np.concatenate([a_minutes, t_min, e_min])
    n_rows = en.shape[0]
    absent_w = np.bincount(r, weights=dur, minlength=n_rows)
    unexc_w = np.bincount(r, weights=dur * ~excused, minlength=n_rows)
    return AttendanceDraw(
        row=rows,
        day=dd,
        code=codes.astype(np.int8),
        duration=np.round(durations, 4),
        minutes=minutes.astype(np.int32),
        absent_weight=absent_w,
        unexcused_weight=unexc_w,
        enrolled_days=en.sum(axis=1),
        expected_absent=p.sum(axis=1, dtype=np.float64),
    )
