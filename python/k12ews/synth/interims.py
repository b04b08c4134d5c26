"""Math interim assessments three times a year (table ``math_interim_assessments``).

A MAP Growth-like adaptive test in grades 1-8 in fall, winter and spring: an overall
scale score (RIT-like) and four domain (goal-area) scores, each with its standard error,
national percentile and, in winter and spring, growth from fall against the typical
growth of the norm group.

Norms: the medians by grade and window are NWEA's 2011 MAP mathematics norms (50th
percentile RIT, fall/winter/spring, grades 1-8, NWEA 2011 RIT Scale Norms); the spread
of scores within a grade (13 RIT in grade 1 rising to 17 in grade 8) and of growth are
this generator's assumptions, of the size the NWEA 2020 norms report (Thum & Kuhfeld
2020). A student's fall score places their math ability (the state test's latent scale,
:mod:`k12ews.synth.academics`) on the norm; growth through the year is the norm's typical
growth scaled by engagement, plus noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from k12ews.synth.success_context import Context, school_date

GRADES = tuple(range(1, 9))
WINDOWS = {"fall": 38, "winter": 165, "spring": 275}  # axis days (1 August = 0)
# NWEA 2011 MAP mathematics norms, 50th percentile RIT by grade: fall, winter, spring
NORM_MEDIAN = {
    1: (163, 172, 179),
    2: (178, 185, 191),
    3: (192, 198, 203),
    4: (204, 209, 212),
    5: (213, 218, 221),
    6: (220, 223, 226),
    7: (226, 228, 230),
    8: (230, 233, 234),
}
DOMAINS = (
    "operations_algebraic_thinking",
    "number_operations",
    "measurement_data",
    "geometry",
)
SEM_OVERALL = 3.0  # standard error of measurement of the overall score (RIT)
SEM_DOMAIN = 6.5  # of a domain score (fewer items)
DOMAIN_SD = 0.35  # a student's persistent strength or weakness in a domain (in sd)


def norm_sd(grade: np.ndarray) -> np.ndarray:
    """Spread of scores in the norm group: 13 RIT in grade 1 to 17 in grade 8."""
    return 13.0 + 4.0 * (np.asarray(grade) - 1) / 7.0


def typical_growth(grade: np.ndarray, window: int) -> np.ndarray:
    """The norm group's median growth from fall to ``window`` (1 winter, 2 spring)."""
    med = np.array([NORM_MEDIAN[g] for g in GRADES], dtype=float)
    g = np.asarray(grade) - 1
    return med[g, window] - med[g, 0]


def growth_sd(grade: np.ndarray, window: int, sem: float) -> np.ndarray:
    """Spread of observed growth in the norm group: true growth varies by about half
    the typical growth, and two measurements each add their error."""
    return np.sqrt((0.5 * typical_growth(grade, window)) ** 2 + 2 * sem**2 + 4.0)


def math_interims(ctx: Context) -> pd.DataFrame:
    rng = ctx.rng
    pop = ctx.pop
    if "domain_dev" not in pop:
        pop["domain_dev"] = rng.normal(0, DOMAIN_SD, (len(pop["grade"]), len(DOMAINS)))
    frames = []
    fall_scores: dict[str, pd.Series] = {}
    for w, (window, day) in enumerate(WINDOWS.items()):
        df = ctx.enrolled_on(day, GRADES)
        if window == "spring":
            # no spring testing in 2020: schools closed in March
            df = df.loc[df["school_year"].to_numpy() != 2020]
        absent = np.nan_to_num(df["true_absence_rate"].to_numpy(), nan=0.05)
        df = df.loc[rng.random(len(df)) < np.clip(0.97 - 1.2 * absent, 0.4, 1)]
        df = df.reset_index(drop=True)
        n = len(df)
        g = df["grade_level"].to_numpy()
        sid = df["sid"].to_numpy()
        med = np.array([NORM_MEDIAN[int(x)][w] for x in g], dtype=float)
        fall_med = np.array([NORM_MEDIAN[int(x)][0] for x in g], dtype=float)
        z = ctx.national_z(df["math_ability"].to_numpy())
        # growth so far: the norm's, faster for engaged students, with noise of its own
        grow = typical_growth(g, w) * (1 + 0.30 * df["engagement"].to_numpy())
        grow = grow + rng.normal(0, 0.35, n) * typical_growth(g, w)
        true_overall = fall_med + norm_sd(g) * z + grow
        ids = ctx.ids(df)
        base = {
            **ids,
            "administration_date": school_date(df["school_year"].to_numpy(), df["day"].to_numpy()),
            "grade_level": g,
            "test_window": window,
        }
        key = pd.Series(ids["student_id"]).astype(str) + "-" + df["school_year"].astype(str)
        for d, domain in enumerate(("overall", *DOMAINS)):
            sem = SEM_OVERALL if d == 0 else SEM_DOMAIN
            true = true_overall + (0 if d == 0 else norm_sd(g) * pop["domain_dev"][sid, d - 1])
            score = np.round(true + rng.normal(0, sem, n)).astype(np.int32)
            pct = np.clip(np.round(100 * ndtr((score - med) / norm_sd(g))), 1, 99)
            row = pd.DataFrame(
                {
                    **base,
                    "domain": domain,
                    "scale_score": score,
                    "standard_error": sem,
                    "national_percentile": pct.astype(np.int32),
                }
            )
            if w == 0:
                fall_scores[domain] = pd.Series(score, index=key.to_numpy())
                row["growth_from_fall"] = np.nan
                row["typical_growth"] = np.nan
                row["growth_percentile"] = np.nan
            else:
                start = fall_scores[domain].reindex(key.to_numpy()).to_numpy(dtype=float)
                gained = score - start
                typical = typical_growth(g, w)
                gp = np.clip(np.round(100 * ndtr((gained - typical) / growth_sd(g, w, sem))), 1, 99)
                row["growth_from_fall"] = gained
                row["typical_growth"] = np.where(np.isnan(start), np.nan, typical)
                row["growth_percentile"] = np.where(np.isnan(start), np.nan, gp)
            frames.append(row)
    return pd.concat(frames, ignore_index=True)
