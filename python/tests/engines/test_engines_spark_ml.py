"""The ML step on Spark: a feature table scored in Arrow batches (k12ews.engines.spark_ml)
gives the same scores as the model on the whole frame in pandas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from k12ews.engines import spark_ml
from k12ews.engines.spark_session import get_session
from k12ews.ml.risk.additive import AdditiveRiskModel

pytestmark = pytest.mark.engines
KEYS = ["student_id", "school_year"]
FEATURES = ["attendance_rate", "core_failures", "incidents"]
SCORES = pa.schema(
    [
        ("student_id", pa.string()),
        ("school_year", pa.int32()),
        ("risk_logit", pa.float64()),
        ("risk_score", pa.float64()),
    ]
)


def synthetic_features(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "student_id": [f"S{i:06d}" for i in range(n)],
            "school_year": np.full(n, 2025, dtype="int32"),
            "attendance_rate": rng.beta(18, 2, n),
            "core_failures": rng.poisson(0.6, n).astype("float64"),
            "incidents": rng.poisson(0.4, n).astype("float64"),
        }
    )
    frame.loc[rng.random(n) < 0.05, "attendance_rate"] = np.nan  # missing values score too
    logit = -1.5 - 12 * (frame["attendance_rate"].fillna(0.9) - 0.9) + 0.8 * frame["core_failures"]
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, label


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    session = get_session(tmp_path_factory.mktemp("spark_ml"))
    yield session
    session.stop()


def test_scores_from_arrow_batches_equal_the_model_on_the_whole_frame(spark: object) -> None:
    frame, label = synthetic_features(4000, seed=3)
    model = AdditiveRiskModel().fit(frame, label, FEATURES)
    spark.sql("CREATE DATABASE IF NOT EXISTS ml")  # type: ignore[attr-defined]
    spark.createDataFrame(frame).repartition(3).write.mode("overwrite").saveAsTable(  # type: ignore[attr-defined]
        "ml.features"
    )

    rows = spark_ml.score_table(
        spark,
        "ml.features",
        "ml.risk_scores",
        spark_ml.additive_scorer(model, KEYS),
        SCORES,
        max_records_per_batch=500,
    )

    scores = spark.table("ml.risk_scores").toPandas()  # type: ignore[attr-defined]
    assert rows == len(frame) == len(scores)
    merged = frame.merge(scores, on=KEYS, validate="one_to_one")
    np.testing.assert_allclose(merged["risk_score"], model.predict_proba(merged), rtol=1e-12)
    np.testing.assert_allclose(merged["risk_logit"], model.predict_logit(merged), rtol=1e-12)
    assert scores["risk_score"].between(0, 1).all()


def test_batches_reach_the_scoring_function_in_the_configured_size(spark: object) -> None:
    frame, _ = synthetic_features(2300, seed=5)
    spark.createDataFrame(frame).coalesce(1).write.mode("overwrite").saveAsTable(  # type: ignore[attr-defined]
        "ml.features_sized"
    )
    schema = pa.schema([("student_id", pa.string()), ("batch_rows", pa.int64())])

    def batch_size(features: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"student_id": features["student_id"], "batch_rows": len(features)})

    spark_ml.score_table(
        spark, "ml.features_sized", "ml.batch_sizes", batch_size, schema, max_records_per_batch=400
    )
    sizes = spark.table("ml.batch_sizes").toPandas()  # type: ignore[attr-defined]
    rows_per_batch_size = sizes.groupby("batch_rows").size().to_dict()
    assert rows_per_batch_size == {400: 2000, 300: 300}  # five full batches and the rest


def test_a_scorer_returning_the_wrong_rows_fails_the_job(spark: object) -> None:
    frame, _ = synthetic_features(50, seed=7)
    spark.createDataFrame(frame).coalesce(1).write.mode("overwrite").saveAsTable(  # type: ignore[attr-defined]
        "ml.features_small"
    )
    schema = pa.schema([("student_id", pa.string())])

    def drops_a_row(features: pd.DataFrame) -> pd.DataFrame:
        return features[["student_id"]].iloc[1:]

    with pytest.raises(Exception, match="scoring returned 49 rows for a batch of 50"):
        spark_ml.score_table(spark, "ml.features_small", "ml.bad_scores", drops_a_row, schema)


def test_the_session_keeps_warehouse_and_metastore_in_its_directory(spark: object) -> None:
    warehouse = Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:"))  # type: ignore[attr-defined]
    base = warehouse.parent
    assert (warehouse / "ml.db" / "risk_scores").is_dir()
    assert (base / "metastore_db").is_dir()
    assert not (Path.cwd() / "metastore_db").exists()
    assert not (Path.cwd() / "spark-warehouse").exists()
