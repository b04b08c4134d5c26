"""High school's college and career tables, and what the clearinghouse returns.

- ``advanced_coursework``: AP courses (grades 10-12) with their exam scores (1-5, college
  credit at 3 or more), IB courses at the district's first high school (grades 11-12,
  1-7, credit at 4 or more), dual-enrollment college courses (grades 11-12, credit for a
  C or better). Who takes them follows ability, engagement and the GPA so far.
- ``college_readiness_exams``: an SAT-like school-day exam every grade 11 student sits in
  spring (some retake it in the fall of grade 12): evidence-based reading and writing and
  math, 200-800 each, against the College Board's benchmarks (480 and 530).
- ``cte_participation``: career and technical education by programme area and year, with
  credits earned; a concentrator has two or more credits in one programme (Perkins V).
- ``fafsa_completions``: seniors who submitted the FAFSA, and the date it was complete.
- ``postsecondary_enrollments``: for each graduate the college terms a National Student
  Clearinghouse match returns: the fall and spring after graduating, and the next fall
  (persistence). Enrolling follows the observed high-school record (cumulative GPA,
  attendance, the exam, FAFSA completion, advanced courses) and the latent traits
  (ability, engagement, poverty); so do 4-year against 2-year and persisting.

Calibration: about 62% of graduates enroll the fall after graduating nationally (NCES,
Condition of Education, immediate college enrollment rate: 62% in 2021-22, 66% in 2013
with 42% at 4-year and 24% at 2-year colleges); completers from low-income families
enroll less (49% against 80% from high-income families in 2013, NCES indicator cpa);
graduates of low-income high schools (50% or more eligible for free or reduced-price
lunch) enrolled at 55% against 69% at higher-income ones (NSC Research Center, High
School Benchmarks 2019, class of 2018). The intercepts here are set so the ``national``
profile's default district is near these figures (measured in docs/synthetic_district.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.synth.people import logistic
from k12ews.synth.success_context import Context, axis_date, school_date

HS_SPRING_DAY = 240  # end of March: who is in which course this year
SAT_SPRING_DAY = 250
SAT_FALL_DAY = 66
SAT_BENCHMARK = {"reading_writing": 480, "math": 530}  # College Board benchmarks
AP_COURSES = (
    ("AP English Language and Composition", "reading"),
    ("AP Calculus AB", "math"),
    ("AP United States History", "reading"),
    ("AP Biology", "math"),
    ("AP Psychology", "reading"),
    ("AP Statistics", "math"),
)
IB_COURSES = (
    ("IB English A Literature HL", "reading"),
    ("IB Mathematics Analysis SL", "math"),
    ("IB History HL", "reading"),
)
DE_COURSES = (("ENG 101 College Composition", "reading"), ("MAT 110 College Algebra", "math"))
# AP exam score cuts on the takers' latent scale: about 60% score 3 or more
AP_CUTS = (-1.1, -0.45, 0.3, 1.0)
IB_CUTS = (-2.0, -1.3, -0.6, 0.0, 0.7, 1.4)
CTE_AREAS = (
    "Health Science",
    "Information Technology",
    "Manufacturing",
    "Business Management",
    "Agriculture",
    "Hospitality and Tourism",
)
COLLEGES = (  # (college_id, name, level, control)
    ("C0001", "State University", "4-year", "public"),
    ("C0002", "State University Northern Campus", "4-year", "public"),
    ("C0003", "Riverside Private College", "4-year", "private"),
    ("C0004", "Out-of-State University", "4-year", "public"),
    ("C0101", "City Community College", "2-year", "public"),
    ("C0102", "County Technical College", "2-year", "public"),
)
ENROLL_INTERCEPT = 0.65
FOUR_YEAR_INTERCEPT = -0.05
PERSIST_INTERCEPT = 1.7
GPA_POINTS = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0, "F": 0.0}


def cumulative_gpa(course_grades: pd.DataFrame) -> pd.Series:
    """Cumulative high-school GPA (4-point, credit-weighted) through each school year,
    indexed by (sid, school_year)."""
    hs = course_grades.loc[course_grades["credits_attempted"].to_numpy() > 0]
    pts = hs["letter_grade"].astype(str).map(GPA_POINTS).astype(float)
    hs = hs.assign(
        qp=pts.to_numpy() * hs["credits_attempted"].to_numpy(dtype=float),
        credits_attempted=hs["credits_attempted"].astype(float),
    )
    hs = hs.loc[pts.notna().to_numpy()]
    by = hs.groupby(["sid", "school_year"])[["qp", "credits_attempted"]].sum().sort_index()
    cum = by.groupby(level=0).cumsum()
    return cum["qp"] / cum["credits_attempted"]


def _gpa_before(ctx: Context, df: pd.DataFrame, gpa: pd.Series, this_year: bool) -> np.ndarray:
    """GPA through the previous (or this) year; before any mark, what ability predicts."""
    year = df["school_year"].to_numpy() - (0 if this_year else 1)
    known = pd.Series(gpa).reindex(pd.MultiIndex.from_arrays([df["sid"], year])).to_numpy()
    # a student's latest cumulative GPA when the year itself has none
    guess = np.clip(2.7 + 0.7 * ctx.national_z(df["ability"].to_numpy()), 0, 4)
    return np.where(np.isnan(known), guess, known)


def _readiness(ctx: Context, df: pd.DataFrame, gpa_then: np.ndarray) -> np.ndarray:
    return (
        0.55 * ctx.national_z(df["ability"].to_numpy())
        + 0.30 * df["engagement"].to_numpy()
        + 0.45 * (gpa_then - 2.7)
        - 0.10 * (df["poverty"].to_numpy() - ctx.poverty_mean)
    )


def high_school_tables(
    ctx: Context, course_grades: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    gpa = cumulative_gpa(course_grades)
    hs = ctx.enrolled_on(HS_SPRING_DAY, (9, 10, 11, 12))
    hs["gpa_before"] = _gpa_before(ctx, hs, gpa, this_year=False)
    hs["ready"] = _readiness(ctx, hs, hs["gpa_before"].to_numpy())
    adv = _advanced(ctx, hs)
    sat = _sat(ctx, gpa)
    raw = {
        "advanced_coursework": adv,
        "college_readiness_exams": sat,
        "cte_participation": _cte(ctx, hs),
    }
    raw["fafsa_completions"] = _fafsa(ctx, hs)
    ps, truth = _postsecondary(ctx, gpa, adv, sat, raw["fafsa_completions"])
    raw["postsecondary_enrollments"] = ps
    return raw, truth


def _advanced(ctx: Context, hs: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng
    g = hs["grade_level"].to_numpy()
    ready = hs["ready"].to_numpy()
    zr = ctx.national_z(hs["reading_ability"].to_numpy())
    zm = ctx.national_z(hs["math_ability"].to_numpy())
    ib_school = hs["school"].to_numpy() == ctx.ib_school
    frames = []
    programs = (
        ("AP", AP_COURSES, (g >= 10) & ~(ib_school & (g >= 11) & (rng.random(len(g)) < 0.25))),
        ("IB", IB_COURSES, ib_school & (g >= 11)),
        ("DE", DE_COURSES, g >= 11),
    )
    for program, courses, offered in programs:
        base = {"AP": -2.3, "IB": -2.6, "DE": -2.4}[program]
        p = logistic(base + 1.3 * ready + 0.25 * (g - 10))
        for title, subject in courses:
            take = offered & (rng.random(len(g)) < p * (0.8 if program == "AP" else 1.0))
            if not take.any():
                continue
            rows = hs.loc[take]
            z = (zr if subject == "reading" else zm)[take] + 0.3 * hs["engagement"].to_numpy()[take]
            latent = z - 0.8 + rng.normal(0, 0.6, int(take.sum()))
            if program == "AP":
                sat_exam = rng.random(len(rows)) < 0.85
                score = np.where(sat_exam, 1 + np.searchsorted(AP_CUTS, latent), -1)
                credit = score >= 3
            elif program == "IB":
                score = 1 + np.searchsorted(IB_CUTS, latent)
                credit = score >= 4
            else:
                score = np.full(len(rows), -1)
                credit = rng.random(len(rows)) < logistic(1.3 + 1.2 * (latent + 0.8))
            frames.append(
                pd.DataFrame(
                    {
                        **ctx.ids(rows),
                        "program": program,
                        "course_title": title,
                        "exam_score": pd.array(np.where(score > 0, score, pd.NA), dtype="Int32"),
                        "earned_college_credit": credit,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else _empty_adv()


def _empty_adv() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "student_id",
            "school_id",
            "school_year",
            "program",
            "course_title",
            "exam_score",
            "earned_college_credit",
        ]
    )


def _sat(ctx: Context, gpa: pd.Series) -> pd.DataFrame:
    rng = ctx.rng
    frames = []
    spring = ctx.enrolled_on(SAT_SPRING_DAY, (11,))
    spring = spring.loc[spring["school_year"].to_numpy() != 2020]  # closed in spring 2020
    absent = np.nan_to_num(spring["true_absence_rate"].to_numpy(), nan=0.05)
    spring = spring.loc[rng.random(len(spring)) < np.clip(0.96 - 1.2 * absent, 0.4, 1)]
    frames.append(spring.reset_index(drop=True))
    fall = ctx.enrolled_on(SAT_FALL_DAY, (12,))
    took = set(zip(spring["sid"], spring["school_year"] + 1, strict=True))
    retake = np.array([k in took for k in zip(fall["sid"], fall["school_year"], strict=True)])
    retake &= rng.random(len(fall)) < logistic(-1.4 + 0.8 * fall["engagement"].to_numpy())
    frames.append(fall.loc[retake].reset_index(drop=True))
    out = []
    for df in frames:
        n = len(df)
        eng = df["engagement"].to_numpy()
        zr = ctx.national_z(df["reading_ability"].to_numpy()) + 0.15 * eng
        zm = ctx.national_z(df["math_ability"].to_numpy()) + 0.15 * eng
        retaking = df["grade_level"].to_numpy() == 12
        rw = _sat_section(500 + 100 * zr + 20 * retaking + rng.normal(0, 30, n))
        ma = _sat_section(490 + 105 * zm + 20 * retaking + rng.normal(0, 30, n))
        out.append(
            pd.DataFrame(
                {
                    **ctx.ids(df),
                    "administration_date": school_date(
                        df["school_year"].to_numpy(), df["day"].to_numpy()
                    ),
                    "grade_level": df["grade_level"].to_numpy(),
                    "exam": "SAT",
                    "reading_writing_score": rw,
                    "math_score": ma,
                    "total_score": rw + ma,
                    "meets_reading_writing_benchmark": rw >= SAT_BENCHMARK["reading_writing"],
                    "meets_math_benchmark": ma >= SAT_BENCHMARK["math"],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def _sat_section(x: np.ndarray) -> np.ndarray:
    return (np.clip(np.round(x / 10) * 10, 200, 800)).astype(np.int32)


def _cte(ctx: Context, hs: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng
    pop = ctx.pop
    if "cte_area" not in pop:
        pop["cte_area"] = rng.integers(0, len(CTE_AREAS), len(pop["grade"]))
        pop["cte_re"] = rng.normal(0, 1.2, len(pop["grade"]))
    sid = hs["sid"].to_numpy()
    p = logistic(0.6 + pop["cte_re"][sid] - 0.15 * ctx.national_z(hs["ability"].to_numpy()))
    take = rng.random(len(hs)) < p
    rows = hs.loc[take].reset_index(drop=True)
    credits = np.where(rng.random(len(rows)) < 0.55, 1.0, 0.5)
    df = pd.DataFrame(
        {
            **ctx.ids(rows),
            "program_area": np.array(CTE_AREAS)[pop["cte_area"][rows["sid"].to_numpy()]],
            "credits_earned": credits,
        }
    )
    df = df.sort_values(["student_id", "program_area", "school_year"], ignore_index=True)
    credits_so_far = df["credits_earned"].astype(float)
    cum = credits_so_far.groupby([df["student_id"], df["program_area"]]).cumsum()
    return df.assign(is_concentrator=cum.to_numpy() >= 2.0)


def _fafsa(ctx: Context, hs: pd.DataFrame) -> pd.DataFrame:
    """Seniors who submitted the FAFSA: submitted between October and June, complete
    within weeks for most; the last year keeps what was submitted by the as-of date."""
    rng = ctx.rng
    sr = hs.loc[hs["grade_level"].to_numpy() == 12].reset_index(drop=True)
    p = logistic(-0.05 + 1.0 * sr["ready"].to_numpy() + 0.35 * sr["engagement"].to_numpy())
    sub = rng.random(len(sr)) < p
    sr = sr.loc[sub].reset_index(drop=True)
    n = len(sr)
    sub_day = 61 + np.minimum(rng.exponential(70, n), 260).astype(int)  # 1 Oct to mid-June
    complete = rng.random(n) < logistic(2.0 + 0.6 * sr["ready"].to_numpy())
    done_day = sub_day + rng.integers(3, 40, n)
    year = sr["school_year"].to_numpy()
    # what a senior submits after 1 August (axis day 0) is the next cycle: none here
    keep = (year != ctx.last) | (sub_day <= ctx.as_of_day)
    sub_date = school_date(year, sub_day)
    done = np.where(complete & ((year != ctx.last) | (done_day <= ctx.as_of_day)), done_day, -1)
    done_date = pd.Series(school_date(year, np.maximum(done, 0))).where(done >= 0)
    df = pd.DataFrame(
        {
            **ctx.ids(sr),
            "submitted_date": sub_date,
            "completed_date": done_date.to_numpy(),
        }
    )
    return df.loc[keep].reset_index(drop=True)


def _graduates(ctx: Context) -> pd.DataFrame:
    sp = ctx.spells
    g = sp.loc[sp["exit_code"].to_numpy() == "GRADUATED", ["sid", "school", "school_year"]]
    g = g.drop_duplicates("sid").reset_index(drop=True)
    traits = ctx.ty.reindex(pd.MultiIndex.from_arrays([g["sid"], g["school_year"]]))
    cols = ["ability", "engagement", "poverty", "true_absence_rate"]
    g = pd.concat([g, traits[cols].reset_index(drop=True)], axis=1)
    return g.loc[g["engagement"].notna().to_numpy()].reset_index(drop=True)


def _postsecondary(
    ctx: Context,
    gpa: pd.Series,
    adv: pd.DataFrame,
    sat: pd.DataFrame,
    fafsa: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clearinghouse's records of each graduate: one row per college term."""
    rng = ctx.rng
    grads = _graduates(ctx)
    n = len(grads)
    sid = grads["sid"].to_numpy()
    key = pd.MultiIndex.from_arrays([grads["sid"], grads["school_year"]])
    final_gpa = pd.Series(gpa).reindex(key).to_numpy()
    final_gpa = np.where(np.isnan(final_gpa), 2.7, final_gpa)
    id_to_sid = pd.Series(np.arange(len(ctx.sid_to_id)), index=ctx.sid_to_id)
    best_sat = (
        sat.assign(sid=id_to_sid.reindex(sat["student_id"]).to_numpy())
        .groupby("sid")["total_score"]
        .max()
    )
    sat_z = (best_sat.reindex(sid).to_numpy(dtype=float) - 990) / 200
    took_sat = ~np.isnan(sat_z)
    sat_z = np.nan_to_num(sat_z, nan=0.0)
    adv_sids = set(id_to_sid.reindex(adv["student_id"]).to_numpy().tolist())
    any_adv = np.isin(sid, list(adv_sids))
    done = fafsa.loc[fafsa["completed_date"].notna(), "student_id"]
    fafsa_done = np.isin(sid, id_to_sid.reindex(done).to_numpy())
    absent = np.nan_to_num(grads["true_absence_rate"].to_numpy(), nan=0.05)
    pov = grads["poverty"].to_numpy() - ctx.poverty_mean
    ability = ctx.national_z(grads["ability"].to_numpy())
    eng = grads["engagement"].to_numpy()
    logit = (
        ENROLL_INTERCEPT
        + 0.75 * (final_gpa - 2.8)
        + 0.35 * sat_z * took_sat
        - 0.25 * ~took_sat
        + 0.30 * ability
        + 0.30 * eng
        - 0.30 * pov
        + 0.90 * fafsa_done
        + 0.30 * any_adv
        - 3.0 * absent
    )
    p_enroll = logistic(logit)
    enrolls = rng.random(n) < p_enroll
    p4 = logistic(
        FOUR_YEAR_INTERCEPT + 1.1 * (final_gpa - 2.8) + 0.6 * sat_z + 0.3 * ability - 0.3 * pov
    )
    four = rng.random(n) < p4
    p_persist = logistic(
        PERSIST_INTERCEPT + 0.8 * (final_gpa - 2.8) + 0.35 * eng + 0.7 * four - 0.2 * pov
    )
    persists = enrolls & (rng.random(n) < p_persist)
    spring = enrolls & (persists | (rng.random(n) < 0.7))
    colleges = np.array(COLLEGES, dtype=object)
    four_ix = np.flatnonzero(colleges[:, 2] == "4-year")
    two_ix = np.flatnonzero(colleges[:, 2] == "2-year")
    first = np.where(
        four,
        rng.choice(four_ix, n, p=[0.45, 0.2, 0.2, 0.15]),
        rng.choice(two_ix, n, p=[0.7, 0.3]),
    )
    # some 2-year students move to a 4-year college for their second year
    second = np.where(~four & (rng.random(n) < 0.12), rng.choice(four_ix, n), first)
    full_time = rng.random(n) < np.where(four, 0.93, 0.6)
    y = grads["school_year"].to_numpy()
    terms = (  # (who, college, calendar year offset, begin month-day, end month-day)
        (enrolls, first, 0, "08-25", "12-15"),
        (spring, first, 1, "01-12", "05-08"),
        (persists, second, 1, "08-25", "12-15"),
    )
    as_of = np.datetime64(to_iso(ctx))
    frames = []
    for who, college, offset, begin, end in terms:
        m = who
        cal = y[m] + offset
        b = np.array([f"{c}-{begin}" for c in cal], dtype="datetime64[D]")
        e = np.array([f"{c}-{end}" for c in cal], dtype="datetime64[D]")
        known = b <= as_of
        c = colleges[college[m]]
        frames.append(
            pd.DataFrame(
                {
                    "student_id": ctx.sid_to_id[sid[m]],
                    "school_id": ctx.school_ids[grads["school"].to_numpy()[m]],
                    "school_year": y[m],
                    "college_id": c[:, 0],
                    "college_name": c[:, 1],
                    "college_level": c[:, 2],
                    "college_control": c[:, 3],
                    "enrollment_begin": b,
                    "enrollment_end": pd.Series(e).where(e <= as_of).to_numpy(),
                    "enrollment_status": np.where(full_time[m], "F", "H"),
                }
            ).loc[known]
        )
    ps = pd.concat(frames, ignore_index=True)
    ps = ps.sort_values(["school_year", "student_id", "enrollment_begin"], ignore_index=True)
    # the fall after graduating is known for every class up to last year's
    known_fall = np.array([np.datetime64(f"{v}-08-25") <= as_of for v in y], dtype=bool)
    truth = pd.DataFrame(
        {
            "sid": sid[known_fall],
            "school_year": y[known_fall],
            "event": "college_enrollment",
            "probability": p_enroll[known_fall],
            "occurred": enrolls[known_fall],
        }
    )
    return ps, truth


def to_iso(ctx: Context) -> str:
    """The as-of date (axis day ``as_of_day`` of the last year) as YYYY-MM-DD."""
    return str(axis_date(np.array([ctx.last]), np.array([ctx.as_of_day]))[0])
