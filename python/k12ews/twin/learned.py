"""The learned synthesizer: DataSynthesizer's Bayesian network (correlated attribute mode,
Ping, Stoyanovich and Howe 2017) fitted to the district's student-years -- the end-of-year
rows of ``ml_features`` with their three outcomes from ``ml_labels`` -- and sampled to a
synthetic table of the same columns.

The synthetic student-years are not a district: they have no schools, days or courses,
so they do not load into ``raw``. They are what a researcher fits the risk models on:
``as_features`` and ``as_labels`` give them the shape of ``ml_features`` and
``ml_labels`` (``utility.py`` trains the registry on them).

DataSynthesizer's differential privacy is turned off (``epsilon=0``): its noise would
cover the network's conditional distributions but not the attribute domains it also
publishes (minimum, maximum, categories), so no privacy guarantee is claimed
(docs/twin.md).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from k12ews.ml.risk.features import ACTIONABLE, DERIVED
from k12ews.ml.vocabulary import OUTCOMES, grade_band
from k12ews.twin import privacy

DECISION_POINT = "eoy"
# The inputs the network learns: the strongest early-warning indicators of every group
# (attendance, marks, credits, behaviour, tests, history). DataSynthesizer's greedy search
# costs about d^3/6 mutual informations for d attributes at degree 1, each task carrying
# the data to a worker: all 40 columns took 298 s on 3,000 rows here, these 20 take a
# fraction of it (docs/twin.md). Inputs left out are unknown in the learned rows, and the
# models trained on them leave them out ("no known value in the training rows").
NUMERIC = [
    "absence_rate_to_date",
    "prior_year_absence_rate",
    "core_failures_to_date",
    "gpa_to_date",
    "prior_year_gpa",
    "credits_earned_to_date",
    "credits_expected_to_date",
    "incidents_to_date",
    "out_of_school_suspensions_to_date",
    "latest_reading_level",
    "latest_math_level",
    "times_retained",
]
FLAGS = ("is_economically_disadvantaged",)
CATEGORICAL = ("school_year", "grade_level", "sex", "race_ethnicity_reporting_group", *FLAGS)
UNKNOWN = "unknown"
# the outcome columns of the learned table: outcome -> adverse / not / unknown
OUTCOME_COLUMNS = {o: f"outcome_{o}" for o in OUTCOMES}
# the columns a synthetic student-year is compared with the district's on: the twin
# report's fidelity and privacy figures, and the exact copies the learned twin redraws
COMPARED_NUMERIC = [*NUMERIC, "grade_level"]
COMPARED_CATEGORICAL = [
    "school_year",
    "sex",
    "race_ethnicity_reporting_group",
    *FLAGS,
    *OUTCOME_COLUMNS.values(),
]


@dataclass(frozen=True)
class LearnedSettings:
    degree: int = 1  # parents per attribute in the Bayesian network
    max_rows: int = 10_000  # rows the network is fitted on (a random sample above this)
    histogram_bins: int = 20
    seed: int = 1


def student_years(feats: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The learned synthesizer's input: one row per student-year (end-of-year decision
    point), model inputs, student groups and the three outcomes as categories."""
    rows = feats[feats["decision_point"] == DECISION_POINT]
    out = rows[["student_id", "school_year", "grade_level", *NUMERIC]].copy()
    out["sex"] = rows["sex"].fillna(UNKNOWN).astype(str)
    out["race_ethnicity_reporting_group"] = (
        rows["race_ethnicity_reporting_group"].fillna(UNKNOWN).astype(str)
    )
    for f in FLAGS:
        out[f] = rows[f].astype("boolean").map({True: "yes", False: "no"}).fillna(UNKNOWN)
    for col in NUMERIC:
        v = rows[col]
        if v.dtype == bool or str(v.dtype) == "boolean":
            out[col] = v.astype("boolean").astype("Float64")
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    for outcome, col in OUTCOME_COLUMNS.items():
        lab = labels.loc[labels["outcome"] == outcome, ["student_id", "school_year"]].copy()
        lab[col] = (
            labels.loc[labels["outcome"] == outcome, "is_adverse_outcome"]
            .astype("boolean")
            .map({True: "adverse", False: "not adverse"})
        )
        out = out.merge(lab, how="left", on=["student_id", "school_year"], validate="one_to_one")
        out[col] = out[col].fillna(UNKNOWN).astype(str)
    return out.reset_index(drop=True)


def fit_and_sample(
    real: pd.DataFrame, n: int, settings: LearnedSettings, avoid: pd.DataFrame | None = None
) -> privacy.Redrawn:
    """Fit the network to ``real`` (``student_years`` rows, ids dropped) and sample ``n``
    synthetic rows of the same columns. Sampled rows equal to a row of ``avoid`` (the
    district's real student-years) in every compared column are redrawn from the same
    network until none is (``privacy.redraw_copies``)."""
    from DataSynthesizer.DataDescriber import DataDescriber
    from DataSynthesizer.DataGenerator import DataGenerator

    data = real.drop(columns=["student_id"])
    if len(data) > settings.max_rows:
        data = data.sample(settings.max_rows, random_state=settings.seed)
    cats = set(CATEGORICAL) | set(OUTCOME_COLUMNS.values())
    types = {c: ("String" if c in cats else "Float") for c in data.columns}
    types["school_year"] = types["grade_level"] = "Integer"
    with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
        src, desc = Path(d) / "in.csv", Path(d) / "description.json"
        data.to_csv(src, index=False)
        describer = DataDescriber(histogram_bins=settings.histogram_bins, category_threshold=40)
        describer.describe_dataset_in_correlated_attribute_mode(
            str(src),
            k=settings.degree,
            epsilon=0,
            attribute_to_datatype=types,
            attribute_to_is_categorical={c: c in cats for c in data.columns},
            attribute_to_is_candidate_key=dict.fromkeys(data.columns, False),
            seed=settings.seed,
        )
        describer.save_dataset_description_to_file(str(desc))

        def draw(rows: int, rnd: int) -> pd.DataFrame:
            gen = DataGenerator()
            # redraw rounds get their own seeds, after the first sample's
            seed = settings.seed + 1_000_003 * rnd
            gen.generate_dataset_in_correlated_attribute_mode(rows, str(desc), seed=seed)
            return _typed(gen.synthetic_dataset.reset_index(drop=True), data.columns)

        first = draw(n, 0)
        if avoid is None:
            done = privacy.Redrawn(first, 0, 0, 0)
        else:
            cols = COMPARED_NUMERIC + COMPARED_CATEGORICAL
            done = privacy.redraw_copies(avoid, first, cols, draw)
    synth = done.frame
    synth.insert(0, "student_id", [f"L{i:07d}" for i in range(len(synth))])
    return privacy.Redrawn(synth, done.copies_found, done.rows_redrawn, done.rounds)


def _typed(synth: pd.DataFrame, columns: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=synth.index)
    for c in columns:
        col = synth[c]
        if c in ("school_year", "grade_level"):
            out[c] = pd.to_numeric(col, errors="coerce").round().astype("int64")
        elif c in NUMERIC:
            out[c] = pd.to_numeric(col, errors="coerce").astype(float)
        else:
            out[c] = col.astype(str).replace({"nan": UNKNOWN})
    for c in _INTEGER_COUNTS:
        out[c] = out[c].round()
    return out


# inputs that are whole numbers in ml_features (counts, levels, flags, tiers)
_INTEGER_COUNTS = [
    "core_failures_to_date",
    "incidents_to_date",
    "out_of_school_suspensions_to_date",
    "latest_reading_level",
    "latest_math_level",
    "times_retained",
]


def as_features(synth: pd.DataFrame) -> pd.DataFrame:
    """Learned student-years in the shape ``train_registry`` reads from ``ml_features``."""
    out = synth[["student_id", "school_year", "grade_level", *NUMERIC]].copy()
    for col in ACTIONABLE:
        if col not in out and col not in DERIVED:
            out[col] = np.nan  # not learned: unknown
    for f in ("is_english_learner", "has_iep"):
        out[f] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["decision_point"] = DECISION_POINT
    out["grade_band"] = [grade_band(int(g)) for g in out["grade_level"]]
    out["sex"] = synth["sex"].replace(UNKNOWN, None)
    out["race_ethnicity_reporting_group"] = synth["race_ethnicity_reporting_group"].replace(
        UNKNOWN, None
    )
    for f in FLAGS:
        out[f] = synth[f].map({"yes": True, "no": False}).astype("boolean")
    return out


def as_labels(synth: pd.DataFrame) -> pd.DataFrame:
    """Learned outcomes in the shape of ``ml_labels`` (unknown outcomes left out)."""
    parts = []
    for outcome, col in OUTCOME_COLUMNS.items():
        known = synth[col] != UNKNOWN
        parts.append(
            pd.DataFrame(
                {
                    "student_id": synth.loc[known, "student_id"],
                    "school_year": synth.loc[known, "school_year"],
                    "outcome": outcome,
                    "is_adverse_outcome": (synth.loc[known, col] == "adverse").to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def members(student_ids: pd.Series, share: float, seed: int) -> np.ndarray:
    """Which students the synthesizer may learn from (the rest are the membership
    attack's holdout): a random ``share`` of students, all of a student's years together."""
    ids = pd.Index(sorted(student_ids.astype(str).unique()))
    rng = np.random.default_rng(seed)
    chosen = set(ids[rng.random(len(ids)) < share])
    return student_ids.astype(str).isin(chosen).to_numpy()
