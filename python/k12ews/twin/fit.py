"""The fitted simulator: the generator's profile (``synth/params.py``) estimated from a
district's suppressed aggregates (``aggregates.py``), one parameter at a time.

Each parameter starts at the national profile's value and moves by the distance, on the
parameter's own scale (logit, probit or log), between the district's share and the
published national figure the national profile is calibrated to
(``seeds/synth_calibration_targets.csv``). A parameter whose aggregate is suppressed keeps
the national value. It is a one-step moment match, not a likelihood fit: the twin's rates
land near the district's, not on them, and docs/twin.md lists what is and is not fitted.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.stats import norm

from k12ews.synth.params import NATIONAL, RACE_CODES, Profile
from k12ews.twin.aggregates import RACE_GROUP_CODES, Aggregates

# National figures the national profile reproduces (seeds/synth_calibration_targets.csv)
NATIONAL_FRL = 0.51
NATIONAL_EL = 0.106
NATIONAL_CHRONIC_BEFORE_2020 = 0.15
NATIONAL_OSS = 0.0496
NATIONAL_NOT_GRADUATING = 1 - 0.87
NATIONAL_PROFICIENT = {
    "reading grade 4": 0.32,
    "math grade 4": 0.375,
    "reading grade 8": 0.30,
    "math grade 8": 0.27,
}
# Spread of the latent scales the shares are thresholds of (people.py: family poverty
# is a zone effect + race shift + N(0, 0.85); the daily absence logit's student-year
# spread is the student effect, engagement and poverty terms together).
POVERTY_SD = 0.95
ABSENCE_LOGIT_SD = 0.8
SHARE_BOUNDS = (0.002, 0.998)


def _clip(p: float) -> float:
    return float(np.clip(p, *SHARE_BOUNDS))


def logit(p: float) -> float:
    p = _clip(p)
    return math.log(p / (1 - p))


def probit(p: float) -> float:
    return float(norm.ppf(_clip(p)))


def race_shares(agg: Aggregates) -> tuple[float, ...]:
    """Race shares in RACE_CODES order; a suppressed group gets half a cell's share (it
    is small, and the twin should still have a few such students), a group reported
    jointly is split at the national ratio."""
    shares = agg.shares("race_share")
    if not shares:
        return NATIONAL.race_shares
    floor = 0.5 * agg.min_cell_size / max(_cells(agg, "race_share"), 1)
    nat = dict(zip(RACE_CODES, NATIONAL.race_shares, strict=True))
    out = dict.fromkeys(RACE_CODES, 0.0)
    for group, codes in RACE_GROUP_CODES.items():
        share = shares.get(group, floor)
        tot = sum(nat[c] for c in codes)
        for c in codes:
            out[c] = share * nat[c] / tot
    total = sum(out.values())
    return tuple(round(out[c] / total, 6) for c in RACE_CODES)


def _cells(agg: Aggregates, name: str) -> int:
    t = agg.table[agg.table["name"] == name]
    return int(t["cells"].max()) if len(t) else 0


def _mean_race_shift(shares: tuple[float, ...]) -> float:
    return float(np.dot(shares, NATIONAL.race_poverty_shift))


def poverty_mean(agg: Aggregates, shares: tuple[float, ...]) -> float:
    """Mean latent poverty that gives the district's FRL share at the national threshold."""
    p = agg.share("frl_share")
    if math.isnan(p):
        return NATIONAL.poverty_mean
    return NATIONAL.frl_threshold - _mean_race_shift(shares) + POVERTY_SD * probit(p)


def _shifted_logit(base: float, share: float, national: float) -> float:
    return base if math.isnan(share) else base + logit(share) - logit(national)


def _direct(base: float, share: float) -> float:
    return base if math.isnan(share) else _clip(share)


def _chronic(agg: Aggregates, kind: str) -> dict[int, float]:
    """Chronic absence shares by year or grade (unsuppressed cells only)."""
    items = agg.shares("chronic_absence").items()
    return {int(k.split()[1]): v for k, v in items if k.startswith(kind)}


def absence_intercept(agg: Aggregates) -> float:
    """Daily-absence intercept from the chronic absence share of the years before 2020
    (all years, with the national year shifts taken out, if none is before 2020)."""
    by_year = _chronic(agg, "year")
    early = {y: v for y, v in by_year.items() if y < 2020}
    if early:
        c = float(np.mean(list(early.values())))
        return NATIONAL.absence_intercept + ABSENCE_LOGIT_SD * (
            probit(c) - probit(NATIONAL_CHRONIC_BEFORE_2020)
        )
    if not by_year:
        return NATIONAL.absence_intercept
    shifts = [
        ABSENCE_LOGIT_SD * (probit(v) - probit(NATIONAL_CHRONIC_BEFORE_2020))
        - NATIONAL.absence_year_shift.get(y, 0.0)
        for y, v in by_year.items()
    ]
    return NATIONAL.absence_intercept + float(np.mean(shifts))


def absence_year_shift(agg: Aggregates, intercept: float) -> dict[int, float]:
    """Year shifts from each year's chronic absence share beside the intercept's level;
    a suppressed year keeps the national shift."""
    by_year = _chronic(agg, "year")
    out = dict(NATIONAL.absence_year_shift)
    for y, v in by_year.items():
        level = NATIONAL.absence_intercept + ABSENCE_LOGIT_SD * (
            probit(v) - probit(NATIONAL_CHRONIC_BEFORE_2020)
        )
        out[y] = round(level - intercept, 4)
    return out


def absence_grade_shift(agg: Aggregates) -> tuple[float, ...]:
    """Grade shifts from each grade's chronic share beside the all-grade share."""
    by_grade = _chronic(agg, "grade")
    overall = agg.share("chronic_absence")
    if math.isnan(overall) or not by_grade:
        return NATIONAL.absence_grade_shift
    base = list(NATIONAL.absence_grade_shift)
    # a grade's shift relative to the others; national shifts are centred near 0.1
    centre = float(np.mean(base))
    return tuple(
        round(centre + ABSENCE_LOGIT_SD * (probit(by_grade[g]) - probit(overall)), 4)
        if g in by_grade
        else base[g]
        for g in range(13)
    )


def proficiency_shift(agg: Aggregates) -> float:
    gaps = [
        probit(agg.share("proficient_share", k)) - probit(p)
        for k, p in NATIONAL_PROFICIENT.items()
        if not math.isnan(agg.share("proficient_share", k))
    ]
    return float(np.mean(gaps)) if gaps else NATIONAL.proficiency_shift


def fit_profile(agg: Aggregates, name: str = "twin") -> Profile:
    """The national profile with every parameter the aggregates inform re-estimated."""
    shares = race_shares(agg)
    pov = poverty_mean(agg, shares)
    # the chronic shares already carry the district's poverty: take out what the
    # generator's poverty slope will add back
    a_raw = absence_intercept(agg)
    a0 = a_raw - NATIONAL.absence_poverty_slope * (pov - NATIONAL.poverty_mean)
    return replace(
        NATIONAL,
        name=name,
        description="Fitted to a district's suppressed aggregates (k12ews twin).",
        race_shares=shares,
        poverty_mean=round(pov, 4),
        el_base_logit=round(
            _shifted_logit(NATIONAL.el_base_logit, agg.share("english_learner_share"), NATIONAL_EL),
            4,
        ),
        iep_share=_direct(NATIONAL.iep_share, agg.share("iep_share")),
        gifted_share=_direct(NATIONAL.gifted_share, agg.share("gifted_share")),
        section504_share=_direct(NATIONAL.section504_share, agg.share("section504_share") / 1.3),
        absence_intercept=round(a0, 4),
        absence_year_shift=absence_year_shift(agg, a_raw),
        absence_grade_shift=absence_grade_shift(agg),
        incident_intercept=round(
            NATIONAL.incident_intercept
            + (
                0.0
                if math.isnan(agg.share("oss_rate"))
                else math.log(_clip(agg.share("oss_rate")) / NATIONAL_OSS)
            ),
            4,
        ),
        dropout_intercept=round(
            _shifted_logit(
                NATIONAL.dropout_intercept,
                agg.share("not_graduating_on_time", "grade 9"),
                NATIONAL_NOT_GRADUATING,
            ),
            4,
        ),
        midyear_move_rate=_direct(NATIONAL.midyear_move_rate, agg.share("midyear_move_rate")),
        proficiency_shift=round(proficiency_shift(agg), 4),
    )
