"""validation_flag_accuracy on the default district, recomputed independently: the
project's flags from ews_student_year on the out-of-time cohort, the models at the High
tier's threshold against ml_model_evaluation, the literature columns against the seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO / "seeds" / "validation"


@pytest.fixture(scope="module")
def con(national_built: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(national_built), read_only=True)
    yield c
    c.close()


def _accuracy(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from validation.validation_flag_accuracy").df()


def _cohort(con: duckdb.DuckDBPyConnection, band: str, grade: int) -> pd.DataFrame:
    """The end-of-year graduation model's test rows of one grade, with the year's mart row."""
    return con.execute(
        "select s.is_adverse_outcome, y.* from ml.ml_out_of_time_scores as s "
        "join ews.ews_student_year as y using (student_id, school_year) "
        "where s.outcome = 'on_time_graduation' and s.decision_point = 'eoy' "
        "and s.is_scoring_model and s.grade_band = ? and s.grade_level = ?",
        [band, grade],
    ).df()


def _figures(y: pd.Series, flag: pd.Series) -> tuple[int, float, float, float]:
    y_, f_ = y.astype(bool).to_numpy(), flag.astype(bool).to_numpy()
    tp = int((y_ & f_).sum())
    return (
        len(y_),
        tp / f_.sum(),
        tp / y_.sum(),
        float((~y_ & ~f_).sum() / (~y_).sum()),
    )


def _row(acc: pd.DataFrame, method: str, grade: int) -> pd.Series:
    rows = acc[(acc["method"] == method) & (acc["evaluation_slice"] == f"grade {grade}")]
    assert len(rows) == 1, (method, grade)
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("method", "band", "grade", "flag"),
    [
        ("chicago_off_track", "high", 9, lambda y: ~y["is_chicago_on_track"].astype("boolean")),
        ("balfanz_abc_any", "middle", 6, lambda y: y["abc_flag_count"] >= 1),
        ("retained", "high", 9, lambda y: y["has_been_retained"].astype("boolean")),
    ],
)
def test_project_flags_recomputed_from_the_marts(con, method, band, grade, flag) -> None:
    cohort = _cohort(con, band, grade)
    values = flag(cohort)
    defined = values.notna().to_numpy()
    n, precision, sensitivity, specificity = _figures(
        cohort.loc[defined, "is_adverse_outcome"], values[defined]
    )
    row = _row(_accuracy(con), method, grade)
    print(
        f"{method} grade {grade}: n {n}, precision {precision:.3f}, sensitivity "
        f"{sensitivity:.3f}, specificity {specificity:.3f}; published "
        f"{row['literature_precision']}, {row['literature_sensitivity']}, "
        f"{row['literature_specificity']}"
    )
    assert n > 500
    assert row["students"] == n
    assert row["precision"] == pytest.approx(precision, abs=1e-12)
    assert row["sensitivity"] == pytest.approx(sensitivity, abs=1e-12)
    assert row["specificity"] == pytest.approx(specificity, abs=1e-12)
    assert row["false_positive_rate"] == pytest.approx(1 - specificity, abs=1e-12)


def test_models_at_the_high_tier_threshold_match_the_evaluation(con) -> None:
    acc = _accuracy(con)
    evaluation = con.execute(
        "select model_id, evaluation_slice, students, precision, sensitivity, specificity "
        "from ml.ml_model_evaluation where outcome = 'on_time_graduation' and "
        "is_scoring_model and method = 'model' and group_type = 'all students'"
    ).df()
    high = con.execute(
        "select distinct json_extract(tier_thresholds, '$.high')::double from "
        "ml.ml_model_registry where outcome = 'on_time_graduation'"
    ).fetchall()
    assert len(high) == 1
    mine = acc[(acc["method_type"] == "model") & np.isclose(acc["risk_threshold"], high[0][0])]
    merged = mine.merge(
        evaluation,
        left_on=["method", "evaluation_slice"],
        right_on=["model_id", "evaluation_slice"],
    )
    assert len(merged) == len(evaluation) > 8
    for col in ("students", "precision", "sensitivity", "specificity"):
        assert np.allclose(merged[f"{col}_x"], merged[f"{col}_y"], atol=1e-12, equal_nan=True), col


def test_literature_columns_come_from_the_seed(con) -> None:
    acc = _accuracy(con)
    flags = pd.read_csv(SEEDS / "bowers2013_dropout_flags.csv")
    kinds = pd.read_csv(SEEDS / "bowers2013_flag_kinds.csv")
    chicago = _row(acc, "chicago_off_track", 9)
    published = flags.set_index("flag_id").loc[1]
    assert chicago["literature_sensitivity"] == published["sensitivity"] == 0.751
    assert chicago["literature_specificity"] == published["specificity"]
    attendance = flags.merge(kinds, on="flag_id").query("flag_kind == 'attendance'")
    row = _row(acc, "chronic_absence", 9)
    assert row["literature_kind_flags"] == len(attendance) > 0
    assert row["literature_kind_median_sensitivity"] == pytest.approx(
        attendance["sensitivity"].median()
    )
