"""What would change it, on the default district (conftest ``national_built``): for every
student in ml_risk_recourse, the model's own score with the suggested changes applied is
in the stated tier, no suggestion asks for more school days than are left, and nothing
but attendance, punctuality and marks still to come is ever changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from k12ews.ml.risk import evaluate, scoring
from k12ews.ml.risk.directions import Directions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def con(national_built: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(national_built), read_only=True)
    yield c
    c.close()


def test_every_suggestion_recomputed_reaches_the_stated_tier(con) -> None:
    rec = con.execute("select * from ml.ml_risk_recourse").df()
    scores = con.execute("select student_id, outcome, risk_tier from ml.ml_risk_scores").df()
    merged = rec.merge(scores, on=["student_id", "outcome"], suffixes=("", "_score"))
    assert len(merged) == len(rec) == len(scores)  # one row per score
    assert (merged["risk_tier"] == merged["risk_tier_score"]).all()
    assert ((rec["risk_tier"] == "Low") == (rec["recourse_status"] == "already_lowest_tier")).all()
    feats = con.execute(
        "select f.* from ml.ml_features as f inner join (select distinct student_id, "
        "school_year, decision_point from ml.ml_risk_recourse) using (student_id, "
        "school_year, decision_point)"
    ).df()
    levers = set(Directions.load().levers)
    reg = con.execute(
        "select * from ml.ml_model_registry where status = 'trained' and is_scoring_model"
    ).df()
    checked = 0
    for _, r in reg.iterrows():
        sub = rec[rec["model_id"] == r["model_id"]].reset_index(drop=True)
        if sub.empty:
            continue
        loaded = scoring.LoadedModel.from_row(r.to_dict())
        rows = sub[["student_id", "school_year", "decision_point"]].merge(
            feats, on=["student_id", "school_year", "decision_point"], how="left"
        )
        x = loaded.design(rows)
        assert np.abs(loaded.model.predict_proba(x) - sub["risk_probability"]).max() < 1e-12
        for i, changes in enumerate(sub["feature_changes"]):
            if not isinstance(changes, str):
                continue
            for f, (now, after) in json.loads(changes).items():
                assert f in levers, f
                j = loaded.model.features.index(f)
                assert x[i, j] == now
                x[i, j] = after
        p_after = loaded.model.predict_proba(x)
        tiers = evaluate.tier_of(p_after, json.loads(str(r["tier_thresholds"])))
        found = (sub["recourse_status"] == "found").to_numpy()
        assert (tiers[found] == sub["tier_reached"][found]).all()
        assert (sub["tier_reached"][found] == sub["target_tier"][found]).all()
        stored = sub["risk_probability_after"].to_numpy()
        assert np.max(np.abs(p_after[found] - stored[found]), initial=0.0) < 1e-12
        assert (tiers[~found] == sub["risk_tier"][~found]).all()  # nothing changed
        checked += int(found.sum())
    print(f"{checked} suggestions recomputed; statuses:")
    print(rec.groupby(["outcome", "risk_tier", "recourse_status"]).size().to_string())
    assert checked > 1000


def test_no_suggestion_exceeds_the_school_days_left_or_the_grading_scale(con) -> None:
    over = con.execute(
        """
        select
            count(*) filter (where more_days_attended > school_days_left),
            count(*) filter (where more_days_on_time > school_days_left),
            count(*) filter (where more_days_attended <= 0 or more_days_on_time <= 0),
            count(*) filter (where recourse_status = 'found' and school_days_left <= 0
                and remaining_terms_mark_raise is null),
            count(*) filter (where recourse_status = 'found' and changes = 0),
            max(more_days_attended), max(school_days_left)
        from ml.ml_risk_recourse
        """
    ).fetchone()
    print(f"most days asked: {over[5]} (days left at most {over[6]})")
    assert over[:5] == (0, 0, 0, 0, 0)
    sentences = con.execute(
        "select suggestion from ml.ml_risk_recourse where recourse_status = 'found'"
    ).fetchall()
    assert all("not a promise" in s for (s,) in sentences)
