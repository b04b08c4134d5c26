"""The fitted twin's maths on small frames: suppression of small cells, and each profile
parameter moving the right way from the national value (k12ews.twin)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from k12ews.synth.params import NATIONAL, PROFILES, RACE_CODES
from k12ews.twin import fit
from k12ews.twin.aggregates import Aggregates, min_cell_size, suppress
from k12ews.twin.fitted import registered


def _agg(rows: list[tuple[str, str, int, int]], k: int = 10) -> Aggregates:
    t = pd.DataFrame(rows, columns=["name", "key", "events", "cells"])
    return Aggregates(suppress(t, k), k)


def test_suppression_hides_small_numerators_and_small_complements():
    a = _agg([("x", "a", 9, 100), ("x", "b", 10, 100), ("x", "c", 95, 100), ("x", "d", 90, 100)])
    assert a.table["is_suppressed"].tolist() == [True, False, True, False]
    assert math.isnan(a.share("x", "a"))
    assert a.share("x", "b") == pytest.approx(0.1)
    pub = a.published()
    assert pub.loc[pub["key"] == "a", "events"].isna().all()
    assert pub.loc[pub["key"] == "b", "events"].iloc[0] == 10


def test_min_cell_size_is_the_dbt_var():
    assert min_cell_size() == 10


def test_national_figures_give_back_the_national_profile():
    a = _agg(
        [
            ("frl_share", "", 510, 1000),
            ("english_learner_share", "", 106, 1000),
            ("oss_rate", "", 496, 10000),
            ("not_graduating_on_time", "grade 9", 130, 1000),
        ]
    )
    p = fit.fit_profile(a)
    assert p.el_base_logit == pytest.approx(NATIONAL.el_base_logit, abs=1e-3)
    assert p.incident_intercept == pytest.approx(NATIONAL.incident_intercept, abs=1e-3)
    assert p.dropout_intercept == pytest.approx(NATIONAL.dropout_intercept, abs=1e-3)
    # no race aggregate: national shares, and the FRL share gives a mean near national
    assert p.race_shares == NATIONAL.race_shares
    assert abs(p.poverty_mean - NATIONAL.poverty_mean) < 0.2


def test_a_poorer_district_with_more_dropouts_moves_the_parameters_up():
    a = _agg(
        [
            ("frl_share", "", 850, 1000),
            ("not_graduating_on_time", "grade 9", 400, 1000),
            ("chronic_absence", "", 400, 1000),
            ("chronic_absence", "year 2018", 380, 1000),
            ("chronic_absence", "year 2022", 500, 1000),
            ("proficient_share", "reading grade 4", 150, 1000),
        ]
    )
    p = fit.fit_profile(a)
    assert p.poverty_mean > NATIONAL.poverty_mean + 0.5
    assert p.dropout_intercept > NATIONAL.dropout_intercept + 1
    assert p.absence_intercept > NATIONAL.absence_intercept
    assert p.absence_year_shift[2022] > p.absence_year_shift[2018]
    assert p.proficiency_shift < -0.3


def test_suppressed_aggregates_keep_the_national_value():
    a = _agg([("not_graduating_on_time", "grade 9", 4, 30), ("iep_share", "", 3, 40)])
    p = fit.fit_profile(a)
    assert p.dropout_intercept == NATIONAL.dropout_intercept
    assert p.iep_share == NATIONAL.iep_share


def test_race_shares_split_joint_groups_and_floor_suppressed_ones():
    a = _agg(
        [
            ("race_share", "black", 600, 1000),
            ("race_share", "white", 300, 1000),
            ("race_share", "asian or pacific islander", 95, 1000),
            ("race_share", "two or more races", 5, 1000),
        ]
    )
    shares = dict(zip(RACE_CODES, fit.race_shares(a), strict=True))
    assert sum(shares.values()) == pytest.approx(1, abs=1e-5)
    assert shares["BL"] > 0.55
    assert shares["AS"] / shares["PI"] == pytest.approx(0.055 / 0.01, rel=1e-3)
    assert 0 < shares["TW"] < 0.01  # suppressed: half a cell of 10 in 1000
    assert shares["AM"] > 0  # absent: the same floor


def test_the_fitted_profile_is_registered_only_while_generating():
    p = fit.fit_profile(_agg([]), name="twin_test")
    with registered(p) as name:
        assert PROFILES[name] is p
    assert "twin_test" not in PROFILES
    with pytest.raises(ValueError, match="taken"), registered(NATIONAL):
        pass
