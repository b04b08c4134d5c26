"""Discipline incidents: how many, what kind, and the action the school takes.

Incident counts are Poisson with a rate from engagement, a personal tendency,
sex, poverty, grade band and the school. The action follows the behaviour's
severity and the school level; the profile's ``oss_bias_black`` raises the odds
of an out-of-school suspension for Black students for the same behaviour, the
disproportionality the Civil Rights Data Collection documents (NCES Digest
Table 233.40: 12.3% of Black students vs 5.0% of all students suspended out of
school in 2017-18). It is a term in the school's response, not in behaviour.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = (
    "DISRUPT",
    "DEFY",
    "SKIP",
    "BULLY",
    "FIGHT",
    "VAPE",
    "DRUG",
    "THEFT",
    "VANDAL",
    "WEAPON",
)
SEVERITY = np.array([1, 2, 1, 2, 3, 2, 3, 2, 2, 4])
_MIX = {
    0: (0.45, 0.25, 0.0, 0.10, 0.12, 0.0, 0.0, 0.04, 0.04, 0.0),
    1: (0.30, 0.25, 0.05, 0.10, 0.15, 0.07, 0.01, 0.04, 0.03, 0.0),
    2: (0.20, 0.20, 0.20, 0.04, 0.10, 0.12, 0.08, 0.04, 0.01, 0.01),
}
ACTIONS = ("CONF", "DET", "ISS", "OSS", "EXP")
# action logits by severity (rows 1-4), columns in ACTIONS order
_ACTION_LOGIT = np.array(
    [
        [1.2, 0.9, -1.4, -2.6, -9.0],
        [0.0, 0.4, 0.0, -0.4, -7.0],
        [-2.0, -2.0, 0.1, 1.3, -3.0],
        [-9.0, -9.0, -1.5, 1.0, 0.2],
    ]
)
BAND_RATE = np.array([-0.9, 0.35, 0.2])  # elementary, middle, high (log incidents a year)


def draw_incidents(
    rng: np.random.Generator,
    log_rate: np.ndarray,
    exposure: np.ndarray,
) -> np.ndarray:
    """Number of incidents per student over a period with ``exposure`` (share of the year)."""
    return rng.poisson(np.exp(log_rate) * exposure)


def draw_actions(
    rng: np.random.Generator,
    band: np.ndarray,
    is_black: np.ndarray,
    oss_bias_black: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category, action and days removed for each incident."""
    n = len(band)
    cat = np.empty(n, dtype=np.int8)
    for b, mix in _MIX.items():
        m = band == b
        cat[m] = rng.choice(len(CATEGORIES), size=int(m.sum()), p=np.array(mix) / sum(mix))
    sev = SEVERITY[cat]
    logit = _ACTION_LOGIT[sev - 1].copy()
    logit[:, 3] += np.where(band == 0, -1.3, 0.0) + oss_bias_black * is_black
    logit[:, 4] += np.where(band == 0, -3.0, 0.0)
    g = logit + rng.gumbel(size=logit.shape)
    action = g.argmax(axis=1).astype(np.int8)
    days = np.zeros(n)
    iss = action == 2
    oss = action == 3
    exp_ = action == 4
    days[iss] = rng.integers(1, 4, int(iss.sum()))
    days[oss] = rng.integers(1, 4, int(oss.sum())) + np.where(
        sev[oss] >= 3, rng.integers(0, 6, int(oss.sum())), 0
    )
    days[exp_] = rng.integers(45, 91, int(exp_.sum()))
    return cat, action, days
