"""Replaying a district's future with a service kept off or forced on
(k12ews.synth.counterfactuals), on small districts.

The override must do what it says and nothing else; and the truths built on it must
find an effect where the generator put one and none where it did not: with every
service's effect set to zero, a treated group's simulated rate without its service
matches its observed rate; with a large effect, it is far above it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k12ews.synth import counterfactuals as cf
from k12ews.synth import services
from k12ews.synth.config import GenerateConfig, ServiceOverride
from k12ews.synth.district import Simulation
from k12ews.synth.futures import STUDENT_ID_OFFSET, label_copies, last_known_cohort_year
from k12ews.synth.year import ACTIVE

SMALL = GenerateConfig(students=1300, years=4, first_year=2021, seed=7)
# long enough for cohorts to finish: starts in 2017-2019 in grades 9-11 are labelled
LONG = GenerateConfig(students=3000, years=8, first_year=2016, seed=11)
TUTOR = services.SERVICES.index("TUTOR")
ORIGINAL_EFFECTS = services.effect_table


def _effects(engagement: float, academic: float, only: str | None = None) -> pd.DataFrame:
    table = ORIGINAL_EFFECTS()
    on = table["service"] == only if only else np.ones(len(table), dtype=bool)
    return table.assign(
        engagement_effect=np.where(on, engagement, 0.0),
        academic_effect=np.where(on, academic, 0.0),
    )


def _services(sim: Simulation) -> pd.DataFrame:
    return pd.concat(sim.out["services"], ignore_index=True)


def _sim(config: GenerateConfig) -> Simulation:
    sim = Simulation(config, None)
    sim.keep_tables = frozenset({"services", "enrollments"})
    return sim


def test_the_override_keeps_off_or_forces_only_whom_it_names() -> None:
    natural = _sim(SMALL)
    for i, y in enumerate((2021, 2022)):
        natural._year(y, first=(i == 0), partial=False)
    got = _services(natural)
    q1 = got.loc[(got["school_year"] == 2022) & (got["quarter"] == 1) & (got["service"] == "TUTOR")]
    assert len(q1) > 30

    blocked = _sim(SMALL)
    blocked._year(2021, first=True, partial=False)
    q1 = q1.loc[q1["sid"] < len(blocked.pop["status"])]  # not this year's arrivals
    blocked.pop["service_override"][q1["sid"].to_numpy()] = TUTOR
    blocked.override = ServiceOverride(year=2022, quarters=(1,), force=False)
    blocked._year(2022, first=False, partial=False)
    b = _services(blocked)
    pd.testing.assert_frame_equal(
        b.loc[b["school_year"] == 2021].reset_index(drop=True),
        got.loc[got["school_year"] == 2021].reset_index(drop=True),
    )
    b_q1 = b.loc[(b["school_year"] == 2022) & (b["quarter"] == 1) & (b["service"] == "TUTOR")]
    assert not set(b_q1["sid"]) & set(q1["sid"])
    # kept off only that quarter: usual care afterwards
    later = b.loc[(b["school_year"] == 2022) & (b["quarter"] > 1) & (b["service"] == "TUTOR")]
    assert set(later["sid"]) & set(q1["sid"])

    forced = _sim(SMALL)
    forced._year(2021, first=True, partial=False)
    active = np.flatnonzero(forced.pop["status"] == ACTIVE)
    chosen = np.random.default_rng(0).choice(active, 200, replace=False)
    forced.pop["service_override"][chosen] = TUTOR
    forced.override = ServiceOverride(year=2022, quarters=(1,), force=True)
    forced._year(2022, first=False, partial=False)
    f = _services(forced)
    f_q1 = f.loc[(f["school_year"] == 2022) & (f["quarter"] == 1) & (f["service"] == "TUTOR")]
    assert set(chosen) <= set(f_q1["sid"])


def _generated(config: GenerateConfig) -> Simulation:
    sim = _sim(config)
    for i, y in enumerate(range(config.first_year, config.last_year + 1)):
        sim._year(y, first=(i == 0), partial=(y == config.last_year))
    return sim


def _treated_with_labels(sim: Simulation, config: GenerateConfig, service: str) -> pd.DataFrame:
    """First-quarter starters of ``service`` in grades 9-11 of 2017-2019, with the label
    the warehouse gives them from the generated spells."""
    got = _services(sim)
    spells = pd.concat(sim.out["enrollments"], ignore_index=True)
    last_known = last_known_cohort_year(config)
    rows = []
    for y in (2017, 2018, 2019):
        t = got.loc[
            (got["school_year"] == y)
            & (got["quarter"] == 1)
            & (got["service"] == service)
            & got["grade"].between(9, 11)
        ]
        labels = label_copies(
            spells[["sid", "school_year", "start", "exit_code"]],
            sim.pop["first9"],
            y,
            config.first_year,
            last_known,
        ).set_index("sid")
        lab = labels.loc[t["sid"].to_numpy()]
        rows.append(
            pd.DataFrame(
                {
                    "student_id": (t["sid"].to_numpy() + STUDENT_ID_OFFSET).astype(str),
                    "school_year": y,
                    "service": service,
                    "outcome": cf.GRADUATION,
                    "observed": lab["is_adverse"].to_numpy(),
                }
            ).loc[lab["is_labelled"].to_numpy()]
        )
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(
    ("engagement", "quarters", "expect_effect"),
    [(0.0, (1,), False), (2.5, (1, 2, 3, 4), True)],
)
def test_the_truth_of_an_effect_is_found_only_where_the_generator_put_one(
    monkeypatch: pytest.MonkeyPatch,
    engagement: float,
    quarters: tuple[int, ...],
    expect_effect: bool,
) -> None:
    # a large effect of tutoring alone, kept off all year (kept off only in the first
    # quarter, most would start it in the second: a quarter's delay changes little)
    monkeypatch.setattr(services, "effect_table", lambda: _effects(engagement, 0.0, "TUTOR"))
    sim = _generated(LONG)
    units = _treated_with_labels(sim, LONG, "TUTOR")
    assert len(units) > 60
    truth = cf.effect_truth(
        LONG, units.drop(columns="observed"), cf.ReplaySpec(8, 2), seed=3, quarters=quarters
    )
    known = truth["true_probability_adverse_without"].notna() & truth["is_replayable"]
    assert known.mean() > 0.8
    p0 = truth.loc[known, "true_probability_adverse_without"].to_numpy()
    y = units.loc[known, "observed"].to_numpy(float)
    diff = y.mean() - p0.mean()
    se = np.sqrt(y.var() / len(y) + p0.var() / len(p0) + (p0 * (1 - p0)).mean() / (8 * len(p0)))
    if expect_effect:
        assert diff < -0.08, (diff, se)
    else:
        assert abs(diff) < 3 * se, (diff, se)


def test_a_plan_truth_compares_usual_care_with_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "effect_table", lambda: _effects(2.5, 0.5, "ATTEND"))
    sim = _generated(LONG)
    spells = pd.concat(sim.out["enrollments"], ignore_index=True)
    ninth = spells.loc[(spells["school_year"] == 2017), "sid"].unique()
    ninth = ninth[sim.pop["first9"][ninth] == 2017][:300]
    students = pd.DataFrame(
        {
            "student_id": (ninth + STUDENT_ID_OFFSET).astype(str),
            "school_year": 2017,
            "service": "ATTEND",
        }
    )
    truth = cf.plan_truth(LONG, students, cf.ReplaySpec(16, 2), seed=5)
    both = truth.dropna(subset=["true_probability_usual_care", "true_probability_with_service"])
    assert len(both) > 200
    usual = both["true_probability_usual_care"]
    gain = usual - both["true_probability_with_service"]
    # measured: 0.108 -> 0.077 on 144 of these students (16 futures each)
    assert gain.mean() > 0.15 * usual.mean()
    assert gain.mean() > 3 * gain.std() / np.sqrt(len(gain))
    again = cf.plan_truth(LONG, students.head(40), cf.ReplaySpec(4, 2), seed=5)
    twice = cf.plan_truth(LONG, students.head(40), cf.ReplaySpec(4, 2), seed=5)
    pd.testing.assert_frame_equal(again, twice)


def test_units_that_cannot_be_replayed_are_refused() -> None:
    units = pd.DataFrame(
        {
            "student_id": ["1000001"],
            "school_year": [2022],
            "service": ["TUTOR"],
            "outcome": ["on_time_graduation"],
        }
    )
    with pytest.raises(ValueError, match="unknown service"):
        cf.effect_truth(SMALL, units.assign(service="YOGA"), cf.ReplaySpec(2, 1))
    with pytest.raises(ValueError, match="cannot be replayed"):
        cf.effect_truth(SMALL, units.assign(outcome="next_grade_success"), cf.ReplaySpec(2, 1))
    with pytest.raises(ValueError, match="complete years"):
        cf.effect_truth(SMALL, units.assign(school_year=2024), cf.ReplaySpec(2, 1))
    with pytest.raises(ValueError, match="first year"):
        cf.effect_truth(SMALL, units.assign(school_year=2021), cf.ReplaySpec(2, 1))
    with pytest.raises(ValueError, match="multiple"):
        cf.ReplaySpec(3, 2)
    with pytest.raises(ValueError, match="no known outcome"):
        cf.plan_truth(SMALL, units.assign(school_year=2023), cf.ReplaySpec(2, 1))


def test_reading_labels_are_the_first_grade_3_reading_test() -> None:
    tests = pd.DataFrame(
        [
            (0, 2024, 200, 3, "ELA", False),
            (0, 2025, 200, 3, "ELA", True),  # retained: the first test counts
            (1, 2024, 200, 3, "Math", True),
            (2, 2025, 200, 4, "ELA", True),
            (3, 2025, 200, 3, "ELA", True),
        ],
        columns=["sid", "school_year", "day", "grade_level", "subject", "is_proficient"],
    )
    labels = cf.label_reading(tests, 5)
    assert labels["is_labelled"].tolist() == [True, False, False, True, False]
    assert labels.loc[[0, 3], "is_adverse"].tolist() == [1.0, 0.0]
