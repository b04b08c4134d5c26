"""The learned synthesizer (DataSynthesizer, extra .[twin]) on a small frame shaped like
the end-of-year ml_features rows with their outcomes (k12ews.twin.learned)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k12ews.ml.risk import features
from k12ews.ml.vocabulary import GRADUATION, NEXT_GRADE, OUTCOMES
from k12ews.twin import learned, privacy

N = 600


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    absence = rng.beta(2, 18, N)
    f = pd.DataFrame(
        {
            "student_id": [f"S{i}" for i in range(N)],
            "school_year": rng.choice([2020, 2021, 2022], N),
            "grade_level": rng.integers(9, 13, N),
            "decision_point": "eoy",
            "sex": rng.choice(["F", "M"], N),
            "race_ethnicity_reporting_group": rng.choice(["black", "white", "hispanic"], N),
            "is_economically_disadvantaged": rng.random(N) < 0.6,
            "is_english_learner": rng.random(N) < 0.1,
            "has_iep": rng.random(N) < 0.15,
        }
    )
    for col in learned.NUMERIC:
        f[col] = rng.integers(0, 3, N).astype(float)
    f["absence_rate_to_date"] = absence
    f["gpa_to_date"] = np.clip(3.5 - 8 * absence + rng.normal(0, 0.3, N), 0, 4)
    # one extra eoy-free row that must be left out
    q1 = f.iloc[:1].assign(decision_point="q1")
    adverse = (absence + rng.normal(0, 0.05, N)) > 0.15
    labels = pd.concat(
        [
            pd.DataFrame(
                {
                    "student_id": f["student_id"],
                    "school_year": f["school_year"],
                    "outcome": o,
                    "is_adverse_outcome": adverse if o == GRADUATION else ~adverse,
                }
            )
            for o in (GRADUATION, NEXT_GRADE)
        ],
        ignore_index=True,
    )
    return pd.concat([f, q1], ignore_index=True), labels


def test_student_years_take_the_end_of_year_rows_and_every_outcome(real):
    feats, labels = real
    rows = learned.student_years(feats, labels)
    assert len(rows) == N
    assert set(learned.OUTCOME_COLUMNS) == set(OUTCOMES)
    g = rows[learned.OUTCOME_COLUMNS[GRADUATION]]
    assert set(g) == {"adverse", "not adverse"}
    assert (rows[learned.OUTCOME_COLUMNS["grade_3_reading"]] == learned.UNKNOWN).all()


def test_members_keep_a_students_years_together_and_ignore_row_order():
    ids = pd.Series(["a", "b", "a", "c", "b", "d"] * 50 + [f"x{i}" for i in range(200)])
    m = learned.members(ids, 0.5, seed=4)
    again = learned.members(ids[::-1].reset_index(drop=True), 0.5, seed=4)[::-1]
    assert (m == again).all()
    for sid in ("a", "b"):
        assert len(set(m[ids == sid])) == 1
    assert 0.35 < ids[m].nunique() / ids.nunique() < 0.65  # a share of students


def test_the_network_keeps_the_absence_outcome_link_and_makes_no_copy(real):
    feats, labels = real
    rows = learned.student_years(feats, labels)
    drawn = learned.fit_and_sample(rows, 800, learned.LearnedSettings(seed=2), avoid=rows)
    synth = drawn.frame
    assert drawn.copies_found == drawn.rows_redrawn == 0  # bins make copies unlikely
    assert len(synth) == 800
    assert list(synth.columns) == list(rows.columns)
    assert synth["student_id"].str.startswith("L").all()
    col = learned.OUTCOME_COLUMNS[GRADUATION]
    adverse = synth.loc[synth[col] == "adverse", "absence_rate_to_date"].mean()
    other = synth.loc[synth[col] == "not adverse", "absence_rate_to_date"].mean()
    assert adverse > other + 0.03
    assert synth["school_year"].isin([2020, 2021, 2022]).all()
    # continuous values are drawn within bins, so no synthetic row equals a real one
    key = ["absence_rate_to_date", "gpa_to_date"]
    assert not synth[key].merge(rows[key]).shape[0]


def test_sampled_rows_equal_to_a_real_one_are_redrawn(real):
    feats, labels = real
    rows = learned.student_years(feats, labels)
    settings = learned.LearnedSettings(seed=2)
    first = learned.fit_and_sample(rows, 300, settings).frame
    # the same fit and seed draw the same rows first: every one of them is planted among
    # the rows to avoid, so all must be redrawn, and none may be left
    again = learned.fit_and_sample(rows, 300, settings, avoid=pd.concat([rows, first]))
    cols = learned.COMPARED_NUMERIC + learned.COMPARED_CATEGORICAL
    assert again.copies_found == 300
    assert again.rows_redrawn >= 300
    assert privacy.exact_copies(first, again.frame, cols) == 0
    assert privacy.exact_copies(rows, again.frame, cols) == 0
    assert list(again.frame.columns) == list(first.columns)
    assert again.frame["student_id"].is_unique


def test_learned_rows_take_the_shape_the_models_read(real):
    feats, labels = real
    rows = learned.student_years(feats, labels)
    f = learned.as_features(rows)
    lab = learned.as_labels(rows)
    design = features.design_frame(f)
    assert design["absence_rate_to_date"].notna().all()
    assert design["tardy_rate_to_date"].isna().all()  # not learned: unknown
    assert set(f["grade_band"]) == {"high"}
    assert len(lab) == 2 * N  # the unknown reading outcome left out
