"""ml_out_of_time_scores: every trained model's test cohort, student by student, is the
cohort the registry's test figures were computed on (same rows, same scores)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from k12ews.ml.risk import metrics


def test_out_of_time_scores_reproduce_the_registry_test_figures(national_built: Path) -> None:
    with duckdb.connect(str(national_built), read_only=True) as con:
        scores = con.execute("select * from ml.ml_out_of_time_scores").df()
        registry = con.execute(
            "select model_id, model_version, test_school_years, test_students, test_roc_auc, "
            "test_calibration_error, test_event_rate from ml.ml_model_registry "
            "where status = 'trained'"
        ).df()
    assert set(scores["model_id"]) == set(registry["model_id"])
    for r in registry.itertuples(index=False):
        mine = scores[scores["model_id"] == r.model_id]
        assert len(mine) == r.test_students, r.model_id
        assert (mine["model_version"] == r.model_version).all()
        lo, _, hi = str(r.test_school_years).partition("-")
        assert mine["school_year"].between(int(lo), int(hi or lo)).all(), r.model_id
        y = mine["is_adverse_outcome"].to_numpy(dtype=float)
        p = mine["risk_probability"].to_numpy(dtype=float)
        assert np.isclose(y.mean(), r.test_event_rate, atol=1e-12), r.model_id
        assert np.isclose(metrics.roc_auc(y, p), r.test_roc_auc, atol=1e-12), r.model_id
        assert np.isclose(
            metrics.expected_calibration_error(y, p), r.test_calibration_error, atol=1e-12
        ), r.model_id
