"""Program services: who gets them, when, and what they truly do.

Schools assign services at the start of each quarter from what they can see:
attendance so far (last year's at the start of the year), last term's core
failures, incidents so far, last spring's test levels, credits behind in high
school, gifted identification. Assignment is non-random (mostly to students who
look at risk) but depends only on those observables plus a school-by-service
capacity draw, so a careful analyst can recover the effects from the data.

The true effect of a service is a lift of the student's engagement (which
lowers absences, raises marks, lowers incidents and dropping out) and of
academic ability, both by the grade in which the service starts: most work
best early, mentoring best at the transition into high school. The table of
effects is written to ``truth.service_effects``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.synth.people import logistic

SERVICES = ("TUTOR", "MENTOR", "COUNSEL", "ATTEND", "REMED", "GIFTED")
TUTOR, MENTOR, COUNSEL, ATTEND, REMED, GIFTED = range(6)


def effect_table() -> pd.DataFrame:
    """True effects (latent units) of each service by the grade it starts in."""
    rows = []
    for g in range(13):
        band = 0 if g <= 5 else (1 if g <= 8 else 2)
        eng = {
            "TUTOR": 0.05,
            "MENTOR": (0.0, 0.30, 0.25)[band] + (0.15 if g == 9 else 0.0),
            "COUNSEL": 0.15,
            "ATTEND": (0.45, 0.35, 0.25)[band],
            "REMED": (0.0, 0.0, 0.15)[band],
            "GIFTED": 0.05,
        }
        acad = {
            "TUTOR": (0.30, 0.22, 0.15)[band],
            "MENTOR": 0.0,
            "COUNSEL": 0.0,
            "ATTEND": 0.0,
            "REMED": (0.35 if g <= 3 else 0.25, 0.25, 0.15)[band],
            "GIFTED": 0.10,
        }
        for s in SERVICES:
            rows.append((s, g, eng[s], acad[s]))
    return pd.DataFrame(
        rows, columns=["service", "start_grade", "engagement_effect", "academic_effect"]
    )


def eligible_grades(service: int, grade: np.ndarray) -> np.ndarray:
    if service == MENTOR:
        return grade >= 4
    return np.ones(len(grade), dtype=bool)


def assignment_logit(
    service: int,
    quarter: int,
    grade: np.ndarray,
    absence_rate: np.ndarray,
    core_failures: np.ndarray,
    incidents: np.ndarray,
    below_basic: np.ndarray,
    credits_behind: np.ndarray,
    homeless: np.ndarray,
    gifted: np.ndarray,
    capacity: float,
    intercept: float,
) -> np.ndarray:
    """Logit of starting ``service`` this quarter, from observables only."""
    excess_abs = np.clip(absence_rate - 0.08, 0, None)
    base = intercept + capacity - 0.35 * (quarter > 1)
    if service == TUTOR:
        return base - 0.9 + 0.9 * core_failures.clip(0, 3) + 0.9 * below_basic + 0.3 * (grade <= 5)
    if service == MENTOR:
        return (
            base
            - 1.5
            + 0.5 * core_failures.clip(0, 3)
            + 0.45 * incidents.clip(0, 4)
            + 8 * excess_abs
            + 0.6 * (grade == 9)
        )
    if service == COUNSEL:
        return (
            base
            - 1.6
            + 0.6 * incidents.clip(0, 4)
            + 1.0 * homeless
            + 0.3 * core_failures.clip(0, 3)
        )
    if service == ATTEND:
        return np.where(absence_rate >= 0.08, base + 0.2 + 12 * excess_abs, -20.0)
    if service == REMED:
        return np.where(
            grade >= 9,
            base - 1.2 + 0.6 * credits_behind.clip(0, 4),
            base - 0.8 + 1.4 * below_basic + 0.8 * (core_failures > 0),
        )
    if service == GIFTED:
        return np.where(gifted & (quarter == 1), 1.5, -20.0)
    raise ValueError(service)


def tier_for(service: int, severity: np.ndarray, absence_rate: np.ndarray) -> np.ndarray:
    if service == GIFTED:
        return np.ones(len(severity), dtype=np.int8)
    if service == ATTEND:
        return np.where(absence_rate >= 0.2, 3, 2).astype(np.int8)
    return np.where(severity >= 3, 3, np.where(severity >= 1, 2, 1)).astype(np.int8)


def draw_assignments(
    rng: np.random.Generator, logit: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    return eligible & (rng.random(len(logit)) < logistic(logit))
