"""Courses, term marks and state assessments.

Marks follow subject ability, engagement and the share of the term missed, so
failures follow attendance and ability as they do in real transcripts. K-2 get
standards-based marks (4 exceeds .. 1 beginning), 3-5 letter marks, both by
quarter; 6-12 letter marks by semester; high-school courses carry half a
credit a semester, earned with any passing mark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

CORE = ("ELA", "Math", "Science", "Social Studies")
_HS_TITLES = {
    "ELA": ("English 9", "English 10", "American Literature", "British Literature"),
    "Math": ("Algebra I", "Geometry", "Algebra II", "Precalculus"),
    "Science": ("Biology", "Chemistry", "Physics", "Environmental Science"),
    "Social Studies": ("World History", "US History", "Government", "Economics"),
}
_HS_CODES = {
    "ELA": ("ENG09", "ENG10", "ENG11", "ENG12"),
    "Math": ("ALG1", "GEOM", "ALG2", "PRECALC"),
    "Science": ("BIO", "CHEM", "PHYS", "ENVSCI"),
    "Social Studies": ("WHIST", "USHIST", "GOVT", "ECON"),
}
_SUBJECT_CODE = {"ELA": "ELA", "Math": "MATH", "Science": "SCI", "Social Studies": "SOC"}
_GRADE_LABEL = ["K", "1", "2", "3", "4", "5", "6", "7", "8"]
# electives for secondary students: (code, title, subject)
_MS_ELECTIVES = (
    ("ART-MS", "Art", "Fine Arts"),
    ("MUS-MS", "Music", "Fine Arts"),
    ("TECH-MS", "Technology", "Career and Technical"),
)
_HS_ELECTIVES = (
    ("SPAN1", "Spanish I", "World Language"),
    ("ART-HS", "Studio Art", "Fine Arts"),
    ("BAND-HS", "Band", "Fine Arts"),
    ("CTE-HS", "Business and Computing", "Career and Technical"),
)
HS_CREDIT = 0.5
# fixed categories keep tens of millions of marks compact in memory
TERM_DTYPE = pd.CategoricalDtype(["Q1", "Q2", "Q3", "Q4", "S1", "S2", "SU"])
LETTER_DTYPE = pd.CategoricalDtype(["A", "B", "C", "D", "F", "4", "3", "2", "1", "P"])


def course_catalog() -> pd.DataFrame:
    """The district's course catalogue (the raw ``courses`` table)."""
    rows: list[tuple[str, str, str, bool, float, str, int | None]] = []
    for g in range(0, 9):
        lvl = "Elementary" if g <= 5 else "Middle"
        lab = _GRADE_LABEL[g]
        for subj in CORE:
            code = f"{_SUBJECT_CODE[subj]}-{g:02d}"
            title = f"{subj if subj != 'ELA' else 'English Language Arts'} {lab}"
            rows.append((code, title, subj, True, 0.0, lvl, g))
        rows.append(
            (f"PE-{g:02d}", f"Physical Education {lab}", "Physical Education", False, 0.0, lvl, g)
        )
    for code, title, subj in _MS_ELECTIVES:
        rows.append((code, title, subj, False, 0.0, "Middle", None))
    for subj in CORE:
        for k in range(4):
            rows.append(
                (_HS_CODES[subj][k], _HS_TITLES[subj][k], subj, True, HS_CREDIT, "High", 9 + k)
            )
    rows.append(
        (
            "PE-HS",
            "Physical Education and Health",
            "Physical Education",
            False,
            HS_CREDIT,
            "High",
            None,
        )
    )
    for code, title, subj in _HS_ELECTIVES:
        rows.append((code, title, subj, False, HS_CREDIT, "High", None))
    return pd.DataFrame(
        rows,
        columns=[
            "course_code",
            "course_title",
            "subject",
            "is_core",
            "credits",
            "school_level",
            "grade_level",
        ],
    ).astype({"grade_level": "Int64"})


def _course_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(course_catalog()["course_code"].tolist())


def courses_for(
    grade: np.ndarray, elective: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, bool, float]]:
    """The courses each student takes: a list of (course codes, subject index, core, credits).

    ``elective`` is a small int per student picking elective courses. Subject
    index 0-3 follows ``CORE``; 4 means non-core.
    """
    g = np.clip(grade, 0, 12)
    out: list[tuple[np.ndarray, np.ndarray, bool, float]] = []
    for s, subj in enumerate(CORE):
        lower = np.array(
            [f"{_SUBJECT_CODE[subj]}-{k:02d}" for k in range(9)] + list(_HS_CODES[subj])
        )
        out.append((lower[g], np.full(len(g), s), True, 0.0))
    pe = np.array([f"PE-{k:02d}" for k in range(9)] + ["PE-HS"] * 4)
    out.append((pe[g], np.full(len(g), 4), False, 0.0))
    ms = np.array([c for c, _, _ in _MS_ELECTIVES])
    hs = np.array([c for c, _, _ in _HS_ELECTIVES])
    sec = g >= 6
    e1 = np.where(g >= 9, hs[elective % 2], ms[elective % 3])  # language/art or MS elective
    e2 = np.where(g >= 9, hs[2 + elective % 2], ms[(elective + 1) % 3])
    out.append((np.where(sec, e1, ""), np.full(len(g), 4), False, 0.0))
    out.append((np.where(g >= 9, e2, ""), np.full(len(g), 4), False, 0.0))
    return out


def letter_from_numeric(numeric: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """Letter marks; standards-based 4-1 in K-2."""
    letter = np.select(
        [numeric >= 90, numeric >= 80, numeric >= 70, numeric >= 60], ["A", "B", "C", "D"], "F"
    )
    standards = np.select([numeric >= 90, numeric >= 76, numeric >= 62], ["4", "3", "2"], "1")
    return np.where(grade <= 2, standards, letter)


@dataclass(frozen=True)
class TestDesign:
    """Cut points of the state test on the latent scale, per subject and grade."""

    grades: tuple[int, ...] = (3, 4, 5, 6, 7, 8, 10)
    noise_sd: float = 0.45
    latent_sd: float = 1.12
    mean_offset: float = 0.12  # mean of the tested population on the latent scale

    # share at or above proficient the cut points are set for (national
    # reference population; NAEP 2022-24 anchors at grades 4 and 8, nationsreportcard.gov)
    def proficient_share(self, subject: str, grade: int) -> float:
        if subject == "ELA":
            return {3: 0.33, 4: 0.32, 5: 0.32, 6: 0.31, 7: 0.30, 8: 0.30, 10: 0.30}[grade]
        return {3: 0.39, 4: 0.37, 5: 0.34, 6: 0.31, 7: 0.29, 8: 0.27, 10: 0.25}[grade]

    def cuts(self, subject: str, grade: int) -> tuple[float, float, float]:
        """Latent cut points for levels 2, 3 (proficient) and 4."""
        from scipy.special import ndtri

        p = self.proficient_share(subject, grade)
        sd = self.latent_sd
        m = self.mean_offset
        return (
            m + float(ndtri(1 - min(p + 0.38, 0.97)) * sd),
            m + float(ndtri(1 - p) * sd),
            m + float(ndtri(1 - 0.08) * sd),
        )


def score_tests(
    rng: np.random.Generator,
    design: TestDesign,
    subject: str,
    grade: np.ndarray,
    latent_mean: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale score, performance level and the true probability of proficiency."""
    z = latent_mean + rng.normal(0, design.noise_sd, len(grade))
    level = np.ones(len(grade), dtype=np.int8)
    p_prof = np.zeros(len(grade))
    for g in np.unique(grade):
        m = grade == g
        c2, c3, c4 = design.cuts(subject, int(g))
        level[m] = 1 + (z[m] >= c2) + (z[m] >= c3) + (z[m] >= c4)
        p_prof[m] = ndtr((latent_mean[m] - c3) / design.noise_sd)
    base = 2300 + 40 * grade + (0 if subject == "ELA" else 10)
    scale = np.round(base + 65 * z).astype(np.int32)
    return scale, level, p_prof


COURSE_DTYPE = _course_dtype()
