"""Replaying a generated district's future (k12ews.synth.futures), on small districts.

The replay must be the district ``generate`` made (same draws up to the scored year),
the label it gives each copy must be the warehouse's, and the probabilities must be
reproducible and sensible (students already off track have higher ones).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from k12ews.cli import main
from k12ews.synth.config import District, GenerateConfig
from k12ews.synth.district import Simulation
from k12ews.synth.futures import (
    LEAVES_ACGR_COHORT,
    FuturesSpec,
    graduation_truth,
    label_copies,
    last_known_cohort_year,
)

REPO = Path(__file__).resolve().parents[3]
SMALL = GenerateConfig(students=1300, years=4, first_year=2021, seed=7)  # conftest SMALL


def test_cohort_leaving_codes_match_the_exit_code_crosswalk() -> None:
    with (REPO / "seeds" / "xwalk_exit_codes.csv").open() as f:
        # the generator writes the project's own codes; the Ed-Fi descriptors beside them
        # in the seed (code_source ed-fi) share their meanings, not their spellings
        seed = {
            r["exit_code"]
            for r in csv.DictReader(f)
            if r["leaves_acgr_cohort"] == "true" and r["code_source"] == "k12ews"
        }
    assert seed == LEAVES_ACGR_COHORT


def test_the_replay_is_the_generated_district(small_district: District) -> None:
    sim = Simulation(SMALL, None)
    sim.keep_tables = frozenset({"truth_student_year"})
    for i, y in enumerate((2021, 2022)):
        sim._year(y, first=(i == 0), partial=False)
    replayed = pd.concat(sim.out["truth_student_year"], ignore_index=True)
    generated = small_district.truth["student_years"]
    generated = generated.loc[generated["school_year"] <= 2022].reset_index(drop=True)
    assert len(replayed) == len(generated) > 1000
    np.testing.assert_array_equal(
        (replayed["sid"] + 1_000_001).astype(str), generated["student_id"].astype(str)
    )
    np.testing.assert_allclose(replayed["engagement"], generated["engagement"])


def _spells(rows: list[tuple[int, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sid", "school_year", "start", "exit_code"])


def test_copies_are_labelled_by_the_warehouse_rules() -> None:
    spells = _spells(
        [
            (0, 2020, 10, "END_OF_YEAR"),  # graduates with the cohort: on time
            (0, 2023, 10, "GRADUATED"),
            (1, 2020, 10, "END_OF_YEAR"),  # a fifth year: late
            (1, 2024, 10, "GRADUATED"),
            (2, 2021, 10, "TRANSFER_DISTRICT"),  # moves within the district, then out
            (2, 2021, 90, "TRANSFER_STATE"),
            (3, 2021, 10, "DROPOUT"),  # drops out: adverse
            (4, 2020, 10, "END_OF_YEAR"),  # cohort 2027: not known yet
            (5, 2020, 10, "END_OF_YEAR"),  # never reaches high school: no cohort
            (6, 2024, 10, "TRANSFER_STATE"),  # transfers out after its cohort year
        ]
    )
    first9 = np.array([2020, 2020, 2020, 2020, 2024, 0, 2020])
    out = label_copies(spells, first9, scored_year=2020, first_year=2016, last_known=2026)
    assert out["is_labelled"].tolist() == [True, True, False, True, False, False, True]
    assert out["is_adverse"].tolist()[:2] == [0.0, 1.0]
    assert out["is_adverse"][3] == 1.0 and out["is_adverse"][6] == 1.0
    # the cohort's start must be observed, and the scored year no later than the cohort
    late = label_copies(spells, first9, scored_year=2020, first_year=2020, last_known=2026)
    assert not late["is_labelled"].any()
    after = label_copies(spells, first9, scored_year=2024, first_year=2016, last_known=2026)
    assert not after["is_labelled"][0]


def test_the_last_known_cohort_follows_the_as_of_date() -> None:
    assert last_known_cohort_year(GenerateConfig()) == 2026
    summer = GenerateConfig(as_of_date=dt.date(2026, 8, 1))
    assert last_known_cohort_year(summer) == 2025


def test_futures_are_reproducible_and_track_the_students_state() -> None:
    cfg = GenerateConfig(students=1300, years=8, first_year=2016, seed=3)
    spec = FuturesSpec({2019: (9, 10, 11, 12)}, replicas=6, worlds=2)
    a = graduation_truth(cfg, spec)
    b = graduation_truth(cfg, spec)
    pd.testing.assert_frame_equal(a, b)
    other = graduation_truth(cfg, spec, seed=1)
    assert not other["true_probability_not_on_time"].equals(a["true_probability_not_on_time"])
    assert (a["school_year"] == 2019).all() and a["grade_level"].between(9, 12).all()
    known = a.dropna(subset=["true_probability_not_on_time"])
    assert len(known) > 0.5 * len(a)  # grade 12 of 2019 started before the data
    # the truth follows the latent state the simulation used
    gen = Simulation(cfg, None)
    gen.keep_tables = frozenset({"truth_student_year"})
    for i, y in enumerate(range(2016, 2020)):
        gen._year(y, first=(i == 0), partial=False)
    ty = gen.out["truth_student_year"][-1].assign(
        student_id=lambda d: (d["sid"] + 1_000_001).astype(str)
    )
    both = known.merge(ty, on="student_id")
    assert len(both) == len(known)
    rho = both["true_probability_not_on_time"].corr(-both["engagement"] - both["ability"])
    print(f"correlation of the truth with -(engagement + ability): {rho:.2f}")
    assert rho > 0.3


def test_the_command_writes_the_truth_table_and_refuses_loaded_data(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "small.duckdb"
    db.write_bytes(small_db.read_bytes())
    assert main(["futures", "--db", str(db), "--replicas", "2", "--worlds", "1",
                 "--school-years", "2022"]) == 0  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        n, years = con.execute(
            "select count(*), string_agg(distinct school_year::text, ',') "
            "from truth.graduation_probabilities"
        ).fetchone()
    assert n > 300 and years == "2022"
    assert "truth.graduation_probabilities" in capsys.readouterr().out
    with duckdb.connect(str(db)) as con:
        con.execute("drop table truth.generation")
    assert main(["futures", "--db", str(db), "--school-years", "2022"]) == 2
    assert "k12ews generate" in capsys.readouterr().err
