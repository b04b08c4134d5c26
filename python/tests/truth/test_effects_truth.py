"""The intervention-effect estimates against the truth (issue: when to act, the effect
bars).

ml_intervention_effects estimates, for students who started a service in the first
quarter of a school year, how much less often the adverse outcome followed than it
would have without starting it then. The truth of that number comes from the generator:
each of those students is copied at the end of the year before and replayed with the
service kept off that quarter (k12ews.synth.counterfactuals.effect_truth); the true
effect on the treated of a cell is their observed adverse rate minus the mean of their
simulated rates without it. This test reads the truth (no model does) and checks, on
the default district:

- the truth is inside the 95% interval for at least 90% of service x grade-band cells;
- the naive served-vs-unserved comparison is further from the truth than the estimate;
- a cell's estimate has the truth's sign wherever the true effect exceeds twice the
  estimate's standard error, and covers the truth elsewhere (the sign bar);

and against the generator's own effect table (truth.service_effects: lifts of
engagement and achievement by start grade), on next-grade success, the one outcome every
band shares, with each band's estimate pooled over start quarters:

- every service whose lifts the district can resolve lowers the adverse rate (gifted
  enrichment's near-zero effect is judged by coverage, above);
- the bands are in the true order wherever one band's lift is larger than another's in
  both engagement and achievement (by at least 0.05 in all).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from k12ews.synth import counterfactuals as cf
from k12ews.synth.futures import config_from_generation

pytestmark = pytest.mark.slow

REPLICAS, WORLDS, SEED = 12, 2, 0
COVERAGE = 0.90
# the outcome each band's cells are judged on: the one a replay can label
BAND_OUTCOME = {"elementary": cf.READING, "middle": cf.GRADUATION, "high": cf.GRADUATION}


@pytest.fixture(scope="module")
def cells(national_built: Path) -> pd.DataFrame:
    """Per service x band (first-quarter starts): estimate, interval, naive comparison,
    and the truth with its Monte Carlo standard error."""
    con = duckdb.connect(str(national_built), read_only=True)
    try:
        config = config_from_generation(
            dict(con.execute("select key, value from truth.generation").fetchall())
        )
        units = con.execute(
            """
            select r.student_id, r.school_year, r.service, r.grade_band, l.outcome,
                l.is_adverse_outcome::int as observed
            from ml.ml_service_risk_sets as r
            inner join ml.ml_labels as l
                on r.student_id = l.student_id and r.school_year = l.school_year
            where r.is_treated and r.start_quarter = 1
                and (
                    (r.grade_band in ('middle', 'high') and l.outcome = 'on_time_graduation')
                    or (r.grade_level <= 2 and l.outcome = 'grade_3_reading')
                )
            """
        ).df()
        estimates = con.execute(
            """
            select service, outcome, grade_band, effect, effect_se, ci_low, ci_high,
                naive_effect, n_treated
            from ml.ml_intervention_effects
            where cell_level = 'grade_band_quarter' and start_quarter = 1 and is_estimated
            """
        ).df()
    finally:
        con.close()
    assert len(units) > 5000
    truth = cf.effect_truth(
        config,
        units[["student_id", "school_year", "service", "outcome"]],
        cf.ReplaySpec(REPLICAS, WORLDS),
        seed=SEED,
    )
    units = units.assign(
        p0=truth["true_probability_adverse_without"].to_numpy(),
        inverse_replicas=1 / truth["labelled_replicas"].clip(lower=1).to_numpy(),
    ).dropna(subset=["p0"])
    units = units.loc[units["outcome"] == units["grade_band"].map(BAND_OUTCOME)]
    true = units.groupby(["service", "outcome", "grade_band"]).agg(
        n_truth=("p0", "size"),
        observed=("observed", "mean"),
        without=("p0", "mean"),
        inverse_replicas=("inverse_replicas", "mean"),
    )
    true["truth"] = true["observed"] - true["without"]
    # Monte Carlo error of the simulated rate (a unit's own estimate of p(1 - p) from a
    # dozen copies is too often 0 to use): the cell's mean rate stands in for each unit's
    true["truth_se"] = np.sqrt(
        true["without"] * (1 - true["without"]) * true["inverse_replicas"] / true["n_truth"]
    )
    out = estimates.merge(true.reset_index(), on=["service", "outcome", "grade_band"])
    out["covered"] = out["truth"].between(out["ci_low"], out["ci_high"])
    return out.sort_values(["service", "grade_band"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def pooled(national_built: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Next-grade-success estimates per service x band pooled over start quarters, and
    the generator's latent lifts per service x band (mean over the band's grades)."""
    con = duckdb.connect(str(national_built), read_only=True)
    try:
        est = con.execute(
            """
            select service, grade_band, n_treated, effect, effect_se, ci_low, ci_high
            from ml.ml_intervention_effects
            where cell_level = 'grade_band_all_quarters' and is_estimated
                and outcome = 'next_grade_success'
            order by service, grade_band
            """
        ).df()
        lifts = con.execute(
            """
            select service,
                case when start_grade <= 5 then 'elementary'
                    when start_grade <= 8 then 'middle' else 'high' end as grade_band,
                avg(engagement_effect) as engagement, avg(academic_effect) as academic
            from truth.service_effects
            where service != 'MENTOR' or start_grade >= 4
            group by all
            """
        ).df()
    finally:
        con.close()
    return est, lifts


SERVICES = ["TUTOR", "MENTOR", "COUNSEL", "ATTEND", "REMED", "GIFTED"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_the_true_sign_where_the_truth_is_clear(
    cells: pd.DataFrame, service: str
) -> None:
    """The sign bar: a cell's sign is asked only where its true effect exceeds twice its
    estimate's standard error; elsewhere the truth must lie inside the interval. An effect
    too small for the district to resolve (gifted enrichment's lifts reach students whose
    adverse rates are 2-6%) is judged by coverage, not by a sign it cannot show."""
    own = cells.loc[cells["service"] == service]
    assert len(own) >= 2, _table(cells)
    clear = own["truth"].abs() > 2 * own["effect_se"]
    wrong_sign = own.loc[clear & (np.sign(own["effect"]) != np.sign(own["truth"]))]
    outside = own.loc[~clear & ~own["covered"]]
    assert wrong_sign.empty and outside.empty, _table(own)


def test_the_sign_is_asked_of_some_cells(cells: pd.DataFrame) -> None:
    """The sign rule above cannot pass by asking nothing: the truth is clear (beyond twice
    the standard error) in some cells (2 of 17 on the default district: first-quarter
    effects on graduation and grade-3 reading are small beside a cell's error), and every
    one of those true effects lowers the adverse rate, as every lift the generator gives
    does. The pooled test below asks the sign of the five services whose lifts the
    district can resolve."""
    clear = cells.loc[cells["truth"].abs() > 2 * cells["effect_se"]]
    assert len(clear) >= 1, _table(cells)
    assert (clear["truth"] < 0).all(), _table(clear)


@pytest.mark.parametrize("service", ["TUTOR", "MENTOR", "COUNSEL", "ATTEND", "REMED"])
def test_every_resolvable_service_lowers_the_adverse_rate_pooled(
    pooled: tuple[pd.DataFrame, pd.DataFrame], service: str
) -> None:
    """Next-grade success, each band pooled over start quarters, weighted by precision.
    Gifted enrichment is not asked: its lifts (0.05 engagement, 0.10 achievement) reach
    students whose adverse rates are 2-6% and it is drawn at random among them, so its
    effect (measured +0.012 pooled, +/- 0.05 a band) is far below what the default
    district resolves; the rule above judges it by coverage, as Bui, Craig and Imberman
    (2014) would lead one to expect of gifted programmes."""
    est, lifts = pooled
    lift = lifts.loc[lifts["service"] == service]
    assert ((lift["engagement"] >= 0) & (lift["academic"] >= 0)).all()
    own = est.loc[est["service"] == service]
    assert len(own) >= 2, est.round(4).to_string()
    w = 1 / own["effect_se"] ** 2
    pooled_effect = float((own["effect"] * w).sum() / w.sum())
    assert pooled_effect < 0, (round(pooled_effect, 4), own.round(4).to_string())


def _ordered_pairs(lifts: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(service, larger band, smaller band) where the first band's lift is at least as
    large in both engagement and achievement and larger by 0.05 or more in all."""
    pairs = []
    for service, g in lifts.groupby("service"):
        rows = g.set_index("grade_band")
        for a in rows.index:
            for b in rows.index:
                d_eng = rows.at[a, "engagement"] - rows.at[b, "engagement"]
                d_acad = rows.at[a, "academic"] - rows.at[b, "academic"]
                if min(d_eng, d_acad) > -1e-9 and d_eng + d_acad >= 0.05 - 1e-9:
                    pairs.append((str(service), str(a), str(b)))
    return pairs


def test_the_bands_are_in_the_true_order(pooled: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    est, lifts = pooled
    pairs = _ordered_pairs(lifts)
    assert len(pairs) >= 6, pairs
    effect = est.set_index(["service", "grade_band"])["effect"]
    wrong = [
        (s, a, b, round(effect[s, a], 4), round(effect[s, b], 4))
        for s, a, b in pairs
        if (s, a) in effect.index and (s, b) in effect.index and not effect[s, a] < effect[s, b]
    ]
    assert not wrong, wrong


def _table(cells: pd.DataFrame) -> str:
    cols = [
        "service",
        "grade_band",
        "n_treated",
        "effect",
        "ci_low",
        "ci_high",
        "naive_effect",
        "truth",
        "truth_se",
        "covered",
    ]
    return "\n" + cells[cols].round(4).to_string()


def test_every_service_and_band_has_a_judged_estimate(cells: pd.DataFrame) -> None:
    assert len(cells) >= 15, _table(cells)
    assert set(cells["service"]) == {"TUTOR", "MENTOR", "COUNSEL", "ATTEND", "REMED", "GIFTED"}


def test_the_truth_is_inside_the_interval_for_nine_cells_in_ten(cells: pd.DataFrame) -> None:
    assert cells["covered"].mean() >= COVERAGE, _table(cells)


def test_the_naive_comparison_is_further_from_the_truth(cells: pd.DataFrame) -> None:
    adjusted = (cells["effect"] - cells["truth"]).abs().mean()
    naive = (cells["naive_effect"] - cells["truth"]).abs().mean()
    assert naive > 1.5 * adjusted, _table(cells)
