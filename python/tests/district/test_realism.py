"""A default generated district lands within stated tolerances of published figures.

The targets, tolerances and sources are in seeds/synth_calibration_targets.csv.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from k12ews.synth.realism import compute, load_targets, measure, render


def _check(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    result = measure(con)
    con.close()
    enforced = result.loc[result["enforced"]]
    assert len(enforced) >= 10
    failed = enforced.loc[~enforced["passed"]]
    assert failed.empty, "outside tolerance:\n" + render(result)


@pytest.mark.slow
def test_national_district_matches_published_rates(national_db: Path) -> None:
    _check(national_db)


@pytest.mark.slow
def test_urban_district_reproduces_balfanz_and_chicago_flags(urban_db: Path) -> None:
    _check(urban_db)


@pytest.mark.slow
def test_post_2020_rise_in_chronic_absence_is_visible(national_db: Path) -> None:
    con = duckdb.connect(str(national_db), read_only=True)
    v = compute(con)
    con.close()
    before = v[("chronic_absence_rate", "all students before 2020")]
    after = v[("chronic_absence_rate", "all students 2022")]
    assert after - before > 0.08


def test_every_target_cites_a_source() -> None:
    targets = load_targets()
    assert {t.profile for t in targets} == {"national", "urban_high_poverty"}
    for t in targets:
        assert t.source.strip(), t
        assert 0 < t.tolerance < 0.2, t
