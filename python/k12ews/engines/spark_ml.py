"""The ML step on Spark: score a feature table where it lives, in Arrow batches.

dbt Python models run the ML step on DuckDB (models/ml). On Spark the same
``k12ews.ml`` functions run inside the cluster instead: ``score_table`` reads the
feature table with ``DataFrame.mapInArrow`` (pyspark >= 3.3; here 4.3), so each
executor receives its partitions as ``pyarrow.RecordBatch`` es of at most
``spark.sql.execution.arrow.maxRecordsPerBatch`` rows, turns each into a pandas frame,
calls the scoring function on it and yields the scores as Arrow again; Spark writes
them back as a table. No row passes through the driver, so a state-sized feature
table scores in parallel on as many executors as the cluster has. The model travels
to the executors with the function (cloudpickle), and ``k12ews`` must be installed
on them (the wheel of this package, like any Python dependency of a Spark job).

A scoring function takes a feature frame and returns one row of scores per input row,
in the same order. ``additive_scorer`` adapts ``k12ews.ml.risk.additive.AdditiveRiskModel``;
the risk pipeline plugs its own entry point in the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from k12ews.ml.risk.additive import AdditiveRiskModel

ScoreFunction = Callable[[pd.DataFrame], pd.DataFrame]


class ScoringError(ValueError):
    """A scoring function returned the wrong rows or columns."""


def additive_scorer(model: AdditiveRiskModel, key_columns: Sequence[str]) -> ScoreFunction:
    """Scores of an additive model: the keys, ``risk_logit`` and ``risk_score``."""
    keys = list(key_columns)

    def score(features: pd.DataFrame) -> pd.DataFrame:
        logit = model.predict_logit(features)
        out = features[keys].reset_index(drop=True).copy()
        out["risk_logit"] = logit
        out["risk_score"] = model.predict_proba(features)
        return out

    return score


def _batches_scorer(
    score: ScoreFunction, schema: pa.Schema
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def score_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            features = batch.to_pandas()
            scores = score(features)
            if len(scores) != batch.num_rows:
                raise ScoringError(
                    f"scoring returned {len(scores)} rows for a batch of {batch.num_rows}"
                )
            missing = [name for name in schema.names if name not in scores.columns]
            if missing:
                raise ScoringError(f"scoring returned no column(s) {missing}")
            yield pa.RecordBatch.from_pandas(
                scores[schema.names], schema=schema, preserve_index=False
            )

    return score_batches


def score_table(
    spark: Any,
    feature_table: str,
    scores_table: str,
    score: ScoreFunction,
    scores_schema: pa.Schema,
    max_records_per_batch: int | None = None,
) -> int:
    """Score ``feature_table`` batch by batch and replace ``scores_table``; rows written.

    ``scores_schema`` is the Arrow schema of what ``score`` returns (Spark needs it
    before the first batch is scored). ``max_records_per_batch`` sets the Arrow batch
    size for this job (Spark's default is 10,000 rows).
    """
    from pyspark.sql.pandas.types import from_arrow_schema

    if max_records_per_batch is not None:
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(max_records_per_batch))
    features = spark.table(feature_table)
    scored = features.mapInArrow(
        _batches_scorer(score, scores_schema), from_arrow_schema(scores_schema)
    )
    database = scores_table.split(".")[0] if "." in scores_table else None
    if database:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    scored.write.mode("overwrite").format("parquet").saveAsTable(scores_table)
    return int(spark.table(scores_table).count())
