"""Typed, tolerant ML outputs (k12ews.ml.typed, k12ews.ml.schemas) on tiny frames: every
table keeps its columns and SQL types with no rows, the scoring steps survive a district
with no feature rows, and an indicator with no known value is left out of a model and
recorded in the registry."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from k12ews.ml import schemas, typed
from k12ews.ml.risk import explanations, features, scoring, settings, training

SQL_TYPES = set(typed.PANDAS_DTYPES)


def sql_types(frame: pd.DataFrame) -> dict[str, str]:
    """The column types DuckDB gives ``frame`` when a dbt Python model returns it."""
    rel = duckdb.connect().from_df(frame)
    return {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}


@pytest.mark.parametrize("table", sorted(schemas.TABLES))
def test_every_schema_gives_its_own_types_empty_and_all_null(table: str):
    schema = schemas.TABLES[table]
    assert set(schema.values()) <= SQL_TYPES
    assert sql_types(typed.empty(schema)) == dict(schema)
    # one row whose every value is null: what a table with a never-filled column is
    all_null = typed.coerce(pd.DataFrame({"unrelated": [1]}), schema)
    assert len(all_null) == 1 and sql_types(all_null) == dict(schema)


def test_every_dbt_python_model_has_a_schema():
    """A dbt Python model without a schema would return whatever pandas infers, and an
    empty input would give it no columns at all."""
    models = {p.stem for p in (Path(__file__).resolve().parents[3] / "models").rglob("*.py")}
    assert len(models) >= 14
    assert models == set(schemas.TABLES)


def test_coerce_orders_fills_drops_and_refuses_what_does_not_fit():
    schema = {"a": typed.BIGINT, "b": typed.VARCHAR, "c": typed.TIMESTAMP, "d": typed.DATE}
    frame = pd.DataFrame({"extra": [1, 2], "b": ["x", None], "a": [1.0, np.nan]})
    out = typed.coerce(frame, schema)
    assert list(out.columns) == ["a", "b", "c", "d"]
    assert out["a"].tolist()[0] == 1 and out["a"].isna().tolist() == [False, True]
    assert sql_types(out) == schema
    with pytest.raises(ValueError, match="'a' does not fit BIGINT"):
        typed.coerce(pd.DataFrame({"a": [1.5]}), schema)
    with pytest.raises(ValueError, match="no typed-output rule"):
        typed.empty({"a": "HUGEINT"})


# --- a tiny ml_features -------------------------------------------------------------------

FEATURE_TYPES: dict[str, str] = {
    "student_id": typed.VARCHAR,
    "school_year": typed.INTEGER,
    "decision_point": typed.VARCHAR,
    "decision_point_order": typed.INTEGER,
    "decision_date": typed.DATE,
    "school_id": typed.INTEGER,
    "grade_level": typed.INTEGER,
    "grade_band": typed.VARCHAR,
    **{
        name: typed.BOOLEAN if name.startswith("is_") else typed.DOUBLE
        for name in features.ACTIONABLE
        if name != "credits_behind_to_date"
    },
    "credits_earned_to_date": typed.DOUBLE,
    "credits_expected_to_date": typed.DOUBLE,
    "sex": typed.VARCHAR,
    "race_ethnicity_reporting_group": typed.VARCHAR,
    "is_economically_disadvantaged": typed.BOOLEAN,
    "is_english_learner": typed.BOOLEAN,
    "has_iep": typed.BOOLEAN,
}


def _elementary(
    years: range, per_year: int = 400, seed: int = 0, **whole: float | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """End-of-year feature rows of grades 1-4 and next-grade labels driven by absence;
    ``whole`` sets an indicator to one value (or None: unknown) in every row."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for year in years:
        for i in range(per_year):
            absence = float(rng.beta(2, 20))
            row: dict[str, object] = {
                "student_id": f"s{year}_{i}",
                "school_year": year,
                "decision_point": "eoy",
                "decision_point_order": 4,
                "decision_date": pd.Timestamp(f"{year}-06-10"),
                "school_id": 1 + i % 3,
                "grade_level": 1 + i % 4,
                "grade_band": "elementary",
                "sex": "F" if i % 2 else "M",
                "race_ethnicity_reporting_group": "white",
            }
            for name, sql in FEATURE_TYPES.items():
                if name not in row:
                    row[name] = bool(rng.random() < 0.1) if sql == typed.BOOLEAN else rng.random()
            row["absence_rate_to_date"] = absence
            # unexcused days are some of the days missed, never more
            row["unexcused_absence_rate_to_date"] = absence * float(rng.random())
            row.update(whole)
            rows.append(row)
            adverse = rng.random() < 1 / (1 + np.exp(-(-2.5 + 12 * absence)))
            labels.append(
                {
                    "student_id": row["student_id"],
                    "school_year": year,
                    "outcome": "next_grade_success",
                    "is_adverse_outcome": bool(adverse),
                }
            )
    return typed.coerce(pd.DataFrame(rows), FEATURE_TYPES), pd.DataFrame(labels)


def _points(feats: pd.DataFrame) -> pd.DataFrame:
    return (
        feats[["school_year", "decision_point", "decision_point_order", "decision_date"]]
        .drop_duplicates()
        .assign(is_complete=True)
    )


def test_scores_and_explanations_of_a_district_with_no_feature_rows_are_empty_and_typed():
    """Finding 6: ml_risk_scores and ml_risk_explanations crashed when ml_features was
    empty (the current school year of no rows)."""
    feats = typed.empty(FEATURE_TYPES)
    labels = pd.DataFrame(columns=["student_id", "school_year", "outcome", "is_adverse_outcome"])
    reg = training.train_registry(feats, labels, settings.Settings(), "2024-12-01")
    points = _points(feats)
    scores = scoring.score_current(reg, feats, points)
    explained = explanations.explain_current(reg, feats, points, top_factors=3)
    assert (reg["status"] == "not_trained").all()
    assert reg["status_reason"].eq("no student with a known outcome").all()
    assert sql_types(reg) == dict(schemas.ML_MODEL_REGISTRY)
    assert scores.empty and sql_types(scores) == dict(schemas.ML_RISK_SCORES)
    assert explained.empty and sql_types(explained) == dict(schemas.ML_RISK_EXPLANATIONS)


@pytest.fixture(scope="module")
def partial_registry() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Elementary models learnt from five years where the state tests are unknown (their
    table absent) and the services indicators all zero."""
    unknown = dict.fromkeys(("latest_reading_level", "latest_math_level"), None)
    zeros = dict.fromkeys(
        (
            "service_spells_this_year_to_date",
            "highest_mtss_tier_this_year_to_date",
            "service_spells_before_this_year",
        ),
        0.0,
    )
    feats, labels = _elementary(range(2018, 2024), **unknown, **zeros)
    reg = training.train_registry(feats, labels, settings.Settings(), "2024-06-30")
    return reg, feats


def test_an_indicator_unknown_or_constant_everywhere_is_left_out_and_recorded(
    partial_registry: tuple[pd.DataFrame, pd.DataFrame],
):
    reg, _ = partial_registry
    row = reg[reg["model_id"] == "elementary__next_grade_success__eoy__actionable"].iloc[0]
    assert row["status"] == "trained", row["status_reason"]
    used = json.loads(row["features"])
    not_used = json.loads(row["features_not_used"])
    assert not_used["latest_reading_level"] == training.NO_KNOWN_VALUE
    assert not_used["latest_math_level"] == training.NO_KNOWN_VALUE
    assert not_used["service_spells_before_this_year"] == training.ONE_VALUE
    assert "absence_rate_to_date" in used
    assert not set(used) & set(not_used)
    assert set(used) | set(not_used) == set(
        features.feature_names("elementary", "next_grade_success", include_characteristics=False)
    )


def test_scores_and_explanations_use_only_the_registrys_features(
    partial_registry: tuple[pd.DataFrame, pd.DataFrame],
):
    reg, feats = partial_registry
    current = feats[feats["school_year"] == feats["school_year"].max()]
    points = _points(feats)
    scores = scoring.score_current(reg, current, points)
    explained = explanations.explain_current(reg, current, points, top_factors=3)
    assert len(scores) == len(current) and sql_types(scores) == dict(schemas.ML_RISK_SCORES)
    assert sql_types(explained) == dict(schemas.ML_RISK_EXPLANATIONS)
    trained = reg[reg["status"] == "trained"].set_index("model_id")
    for model_id, part in explained.groupby("model_id"):
        assert set(part["feature"]) == set(json.loads(trained.loc[model_id, "features"]))
    assert not explained["feature"].isin(["latest_reading_level", "latest_math_level"]).any()


def test_too_few_students_of_an_outcome_is_a_reason_not_a_crash():
    feats, labels = _elementary(range(2018, 2024), per_year=6)
    reg = training.train_registry(feats, labels, settings.Settings(), "2024-06-30")
    row = reg[reg["model_id"] == "elementary__next_grade_success__eoy__actionable"].iloc[0]
    assert row["status"] == "not_trained"
    assert row["status_reason"].startswith(f"fewer than {training.MIN_STUDENTS_PER_OUTCOME}")
    assert sql_types(reg) == dict(schemas.ML_MODEL_REGISTRY)
