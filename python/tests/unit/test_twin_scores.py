"""The twin report's fidelity and privacy maths on small frames (k12ews.twin)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k12ews.twin import fidelity, privacy


def test_ks_complement_is_one_for_the_same_sample_and_zero_for_disjoint_ones():
    a = pd.Series([1.0, 2.0, 3.0, np.nan])
    assert fidelity.ks_complement(a, a) == 1.0
    assert fidelity.ks_complement(a, a + 10) == 0.0
    # half the mass moved past the other sample: KS statistic 0.5
    assert fidelity.ks_complement(pd.Series([0.0, 1.0]), pd.Series([0.0, 5.0])) == 0.5


def test_tv_complement_counts_missing_as_a_category():
    real = pd.Series(["a", "a", "b", None])
    assert fidelity.tv_complement(real, real) == 1.0
    # shares a .5 b .25 missing .25 vs a .5 b .5: TV = .25
    assert fidelity.tv_complement(real, pd.Series(["a", "b", "a", "b"])) == pytest.approx(0.75)


def test_correlation_similarity_of_opposite_correlations_is_zero():
    x = pd.Series(np.arange(10.0))
    real = pd.DataFrame({"x": x, "y": x})
    assert fidelity.correlation_similarity(real, real, "x", "y") == pytest.approx(1)
    flipped = pd.DataFrame({"x": x, "y": -x})
    assert fidelity.correlation_similarity(real, flipped, "x", "y") == pytest.approx(0)


def test_contingency_similarity_sees_a_broken_pair_the_marginals_hide():
    real = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "p", "q", "q"]})
    shuffled = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"]})
    assert fidelity.tv_complement(real["b"], shuffled["b"]) == 1.0
    assert fidelity.contingency_similarity(real, shuffled, "a", "b") == pytest.approx(0.5)


def _people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "rate": rng.beta(2, 20, n),
            "gpa": np.where(rng.random(n) < 0.1, np.nan, rng.normal(2.8, 0.6, n)),
            "group": rng.choice(["a", "b", "c"], n),
        }
    )


def test_exact_copies_match_every_column_missing_included():
    real = _people(50, 1)
    synth = pd.concat([real.iloc[:3], _people(5, 2)], ignore_index=True)
    assert privacy.exact_copies(real, synth, ["rate", "gpa", "group"]) == 3


def test_planted_copies_are_redrawn_until_none_is_left():
    real = _people(300, 1)
    fresh = _people(400, 2)
    # 40 planted copies, and a model whose first redraw copies again half the time
    synth = pd.concat([fresh.iloc[:60], real.iloc[:40]], ignore_index=True)
    cols = ["rate", "gpa", "group"]
    calls = []

    def draw(n: int, rnd: int) -> pd.DataFrame:
        calls.append((n, rnd))
        start = 60 + 100 * rnd
        out = fresh.iloc[start : start + n].reset_index(drop=True)
        if rnd == 1:  # the first redraw copies again: checked and redrawn once more
            out.iloc[: n // 2] = real.iloc[100 : 100 + n // 2].to_numpy()
        return out

    done = privacy.redraw_copies(real, synth, cols, draw)
    assert privacy.exact_copies(real, done.frame, cols) == 0
    assert (done.copies_found, done.rows_redrawn, done.rounds) == (40, 60, 2)
    assert calls == [(40, 1), (20, 2)]
    assert len(done.frame) == 100
    # rows that were no copy stay where they were, untouched
    pd.testing.assert_frame_equal(done.frame.iloc[:60], synth.iloc[:60])
    # a twin without copies is returned as it is, no draw made
    same = privacy.redraw_copies(real, fresh, cols, draw)
    assert (same.copies_found, same.rows_redrawn, same.rounds) == (0, 0, 0)


def test_a_model_that_only_copies_gets_a_clear_error():
    real = _people(50, 1)
    msg = r"5 of 5 synthetic rows still equal a real row .* after 3 rounds"
    with pytest.raises(ValueError, match=msg):
        privacy.redraw_copies(
            real,
            real.iloc[:5],
            ["rate", "gpa", "group"],
            lambda n, rnd: real.iloc[:n],
            max_rounds=3,
        )


def test_a_twin_that_copies_its_members_is_caught():
    members, holdout = _people(600, 1), _people(600, 2)
    copied = members.copy()
    figs = privacy.privacy_figures(members, holdout, copied, ["rate", "gpa"], ["group"])
    assert figs.exact_copies == 600
    assert figs.dcr_median == 0
    assert figs.nearer_than_real > 0.9
    assert figs.membership_advantage > 0.8


def test_a_twin_drawn_from_the_distribution_gives_the_attack_nothing():
    members, holdout, fresh = _people(800, 1), _people(800, 2), _people(800, 3)
    figs = privacy.privacy_figures(members, holdout, fresh, ["rate", "gpa"], ["group"])
    assert figs.exact_copies == 0
    assert figs.dcr_median > 0
    assert abs(figs.nearer_than_real - figs.holdout_nearer_than_real) < 0.08
    assert abs(figs.membership_advantage) < 0.08


def test_membership_advantage_is_measured_on_a_half_it_was_not_chosen_on():
    rng = np.random.default_rng(0)
    same = privacy.membership_advantage(rng.random(2000), rng.random(2000))
    assert abs(same) < 0.06
    apart = privacy.membership_advantage(rng.random(2000) * 0.4, 0.6 + rng.random(2000) * 0.4)
    assert apart == pytest.approx(1.0)


def test_bars_of_a_district_too_short_for_any_model_are_an_empty_typed_table():
    from k12ews.twin import report, utility

    empty = report.TwinReport(
        fidelity_columns=pd.DataFrame(),
        fidelity_pairs=pd.DataFrame(),
        fidelity_summary=pd.DataFrame(),
        privacy=pd.DataFrame(columns=["figure", "value", "method"]),
        utility=pd.DataFrame(columns=utility.COLUMNS),
        bars=pd.DataFrame(),
    )
    bars = report.bars(empty)
    assert bars.empty and list(bars.columns) == report.BAR_COLUMNS
