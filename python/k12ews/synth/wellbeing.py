"""The social-emotional screener and the climate survey, from the latent traits.

**Screener** (table ``sel_screener_results``), three windows a year (fall, winter,
spring), DESSA-style: five CASEL competencies and a composite as T-scores (mean 50,
standard deviation 10 in the national norm group, reported 28-72; 40 or less is "need
for instruction", 60 or more a "strength"). Teachers rate kindergarten to grade 5,
students rate themselves from grade 6 (self-ratings are noisier). A student's
social-emotional level follows engagement, general ability and (negatively) behaviour
problems, with a persistent personal part; poorer students score a little lower.

**Climate survey** (table ``climate_survey_responses``), once a year in late winter from
grade 3: the means of five 1-5 Likert items on belonging, peer relationships and adult
support. Belonging follows engagement and social-emotional level and dips in middle
school; peer relationships fall with behaviour problems; adult support follows
engagement. Students absent more often are screened and surveyed less often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.synth.success_context import Context, school_date

WINDOWS = {"fall": 42, "winter": 172, "spring": 270}  # axis days (1 August = 0)
COMPETENCIES = (
    "self_awareness",
    "self_management",
    "social_awareness",
    "relationship_skills",
    "responsible_decision_making",
)
T_LOW, T_HIGH = 28, 72
SURVEY_DAY = 200  # mid-February
SCALES = ("belonging", "peer_relationships", "adult_support")
ITEMS_PER_SCALE = 5
# the social-emotional latent's spread in the national profile, measured on its
# default district, so the T-scores have sd 10 there
SEL_CENTER, SEL_SD = 0.05, 0.95


def sel_level(ctx: Context, df: pd.DataFrame) -> np.ndarray:
    """Each row's social-emotional level (national scale, about mean 0, sd 1)."""
    pop = ctx.pop
    sid = df["sid"].to_numpy()
    raw = (
        0.45 * df["engagement"].to_numpy()
        + 0.20 * df["ability"].to_numpy()
        - 0.45 * pop["behaviour_re"][sid]
        - 0.10 * (df["poverty"].to_numpy() - ctx.poverty_mean)
        + _sel_persistent(ctx)[sid]
    )
    return (raw - SEL_CENTER) / SEL_SD


def _sel_persistent(ctx: Context) -> np.ndarray:
    """A persistent personal part, one per student (drawn once, cached in ``pop``)."""
    if "sel_re" not in ctx.pop:
        ctx.pop["sel_re"] = ctx.rng.normal(0, 0.55, len(ctx.pop["grade"]))
    return ctx.pop["sel_re"]


def screener(ctx: Context) -> pd.DataFrame:
    rng = ctx.rng
    frames = []
    for w, (window, day) in enumerate(WINDOWS.items()):
        df = ctx.enrolled_on(day, tuple(range(0, 13)))
        absent = np.nan_to_num(df["true_absence_rate"].to_numpy(), nan=0.05)
        df = df.loc[rng.random(len(df)) < np.clip(0.95 - 1.6 * absent, 0.3, 1)]
        df = df.reset_index(drop=True)
        n = len(df)
        self_rated = df["grade_level"].to_numpy() >= 6
        z = sel_level(ctx, df) + rng.normal(0, 0.25, n) + 0.06 * w * ~self_rated
        fidelity = np.where(self_rated, 0.72, 0.82)
        out = {
            **ctx.ids(df),
            "administration_date": school_date(df["school_year"].to_numpy(), df["day"].to_numpy()),
            "grade_level": df["grade_level"].to_numpy(),
            "screening_window": window,
            "rater": np.where(self_rated, "self", "teacher"),
        }
        parts = []
        for c in COMPETENCIES:
            zc = fidelity * z + np.sqrt(1 - fidelity**2) * rng.normal(0, 1, n)
            parts.append(zc)
            out[c] = _t_score(zc)
        composite = np.mean(parts, axis=0)
        out["composite_t_score"] = _t_score(composite / composite.std() if n > 1 else composite)
        frames.append(pd.DataFrame(out))
    return pd.concat(frames, ignore_index=True)


def _t_score(z: np.ndarray) -> np.ndarray:
    return np.clip(np.round(50 + 10 * z), T_LOW, T_HIGH).astype(np.int32)


def climate_survey(ctx: Context) -> pd.DataFrame:
    rng = ctx.rng
    df = ctx.enrolled_on(SURVEY_DAY, tuple(range(3, 13)), spread=15)
    absent = np.nan_to_num(df["true_absence_rate"].to_numpy(), nan=0.05)
    df = df.loc[rng.random(len(df)) < np.clip(0.9 - 2.0 * absent, 0.2, 1)].reset_index(drop=True)
    n = len(df)
    sid = df["sid"].to_numpy()
    sel = sel_level(ctx, df)
    eng = df["engagement"].to_numpy()
    grade = df["grade_level"].to_numpy()
    middle_dip = np.where((grade >= 6) & (grade <= 8), -0.25, np.where(grade >= 9, -0.15, 0.0))
    pov = df["poverty"].to_numpy() - ctx.poverty_mean
    latent = {
        "belonging": 0.35 * eng + 0.35 * sel - 0.10 * pov + middle_dip,
        "peer_relationships": 0.25 * eng + 0.35 * sel - 0.30 * ctx.pop["behaviour_re"][sid],
        "adult_support": 0.40 * eng + 0.20 * sel - 0.05 * pov + 0.5 * middle_dip,
    }
    out = {
        **ctx.ids(df),
        "administration_date": school_date(df["school_year"].to_numpy(), df["day"].to_numpy()),
        "grade_level": grade,
    }
    answered = np.zeros(n, dtype=np.int32)
    for scale in SCALES:
        person = latent[scale] + rng.normal(0, 0.55, n)
        items = np.clip(
            np.round(3.6 + 0.8 * person[:, None] + rng.normal(0, 0.75, (n, ITEMS_PER_SCALE))),
            1,
            5,
        )
        skipped = rng.random((n, ITEMS_PER_SCALE)) < 0.03
        items[skipped] = np.nan
        k = (~skipped).sum(axis=1)
        filled = np.where(k[:, None] > 0, items, 3.0)  # no all-empty row reaches nanmean
        out[scale] = np.where(k > 0, np.round(np.nanmean(filled, axis=1), 2), np.nan)
        answered += k.astype(np.int32)
    out["items_answered"] = answered
    return pd.DataFrame(out)
