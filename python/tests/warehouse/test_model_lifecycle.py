"""The risk models as a lifecycle (docs/model_lifecycle.md), on one small district built
as of several dates across its last two years, each build on the warehouse the one before
left (the score history and the model store kept):

1. 2029-03-15, default mode score with nothing promoted: the first build trains and
   promotes;
2. a week later, mode score: nothing trained, the same scores and explanations, no alert;
3. a week later again, one student's attendance worse: only that student's scores
   change, and only that student is alerted;
4. 2030-06-15, mode train with shuffled labels: every challenger kept, none promoted;
5. a day later, mode train: challengers with more cohorts; each decision follows the
   rule from its recorded figures; the first run after the promotions compares old and
   new model on the same records instead of alerting;
6. the deployed evaluation of the scores stored in 2029 against the outcomes known in
   2030 equals its recomputation from the history and the labels by hand;
7. drift: unchanged, no attendance feature drifted; with the current year's absence
   five points higher, the attendance features drift and the warning test warns.

The district is generated for 2025-2030, after the generator's post-2020 rise in absence
has settled (k12ews.synth.params), so an unchanged district has no drift to find.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_runner import copy_db, run_dbt
from sklearn.metrics import roc_auc_score

from k12ews import warehouse
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import generate

pytestmark = pytest.mark.slow

DISTRICT = GenerateConfig(
    students=1300, years=6, first_year=2025, seed=7, as_of_date=dt.date(2030, 6, 15)
)
FIRST, LAST = "2029-03-15", "2030-06-15"
ML = "ml_model_store+"
# Left out of every build here, to keep it short: the recourse (and the plan after it),
# the service effects and the validation marts, which the lifecycle does not read. The
# recourse also fails at an as-of date past the year's last decision point (no school
# day left: recourse_search takes the argmax of an empty sequence), as it did before.
SKIP = ("--exclude", "ml_risk_recourse+", "ml_service_risk_sets+", "tag:validation")
ATTENDANCE = ("absence_rate_to_date", "latest_quarter_absence_rate")


def _dbt(db: Path, *args: str) -> None:
    proc = run_dbt(db, db.parent, *args, *(SKIP if args[0] == "run" else ()))
    assert proc.returncode == 0, proc.stdout[-4000:]


def _df(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).df()


def _later(db: Path, days: int, sql: str = "") -> None:
    """The next scoring run: the as-of date moved on (and ``sql`` run on the warehouse)."""
    with duckdb.connect(str(db)) as con:
        if sql:
            con.execute(sql)
        con.execute(f"update ews.ews_student_year set as_of_date = as_of_date + {days}")


@dataclass
class Stages:
    """A copy of the warehouse after each stage."""

    first: Path
    unchanged: Path
    one_student: Path
    student_id: str
    shuffled: Path
    promoted: Path


def _snapshot(db: Path, name: str) -> Path:
    return copy_db(db, db.parent.parent / name, f"{name}.duckdb")


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Stages:
    work = tmp_path_factory.mktemp("lifecycle") / "live"
    work.mkdir()
    db = work / "district.duckdb"
    district = generate(DISTRICT)
    with warehouse.connect(db) as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    _dbt(db, "seed")
    _dbt(db, "run", "--vars", f"{{as_of_date: '{FIRST}'}}")
    first = _snapshot(db, "first")
    _later(db, 7)
    _dbt(db, "run", "--select", ML)
    unchanged = _snapshot(db, "unchanged")
    # one student, Low on next-grade success, now misses two school days in five
    student = _df(
        db,
        "select student_id from ml.ml_risk_scores where outcome = 'next_grade_success' "
        "and risk_tier = 'Low' and grade_band = 'middle' order by hash(student_id) limit 1",
    )["student_id"].iloc[0]
    _later(
        db,
        7,
        "update ml.ml_features set absence_rate_to_date = 0.4, days_absent_to_date = "
        "0.4 * days_enrolled_to_date, unexcused_absence_rate_to_date = 0.3, "
        f"latest_quarter_absence_rate = 0.4 where student_id = '{student}' "
        "and school_year = 2029",
    )
    _dbt(db, "run", "--select", ML)
    one_student = _snapshot(db, "one_student")
    _dbt(
        db,
        "run",
        "--vars",
        f"{{as_of_date: '{LAST}', ml_mode: train, ml_shuffle_training_labels: true}}",
    )
    shuffled = _snapshot(db, "shuffled")
    _later(db, 1)
    _dbt(db, "run", "--select", ML, "--vars", f"{{as_of_date: '{LAST}', ml_mode: train}}")
    return Stages(first, unchanged, one_student, student, shuffled, db)


SCORES = "select * exclude (rank_in_school_grade, students_in_school_grade) from ml.ml_risk_scores"


def _same(a: Path, b: Path, sql: str) -> pd.DataFrame:
    """Rows of ``sql`` in one warehouse and not the other (both ways)."""
    with duckdb.connect(str(a), read_only=True) as con:
        con.execute(f"attach '{b}' as other (read_only)")
        other = sql.replace("ml.", "other.ml.").replace("ews.", "other.ews.")
        return con.sql(
            f"(({sql}) except all ({other})) union all (({other}) except all ({sql}))"
        ).df()


def test_the_first_build_trains_and_a_score_build_only_loads(stages: Stages) -> None:
    store = _df(stages.unchanged, "select * from ml.ml_model_store")
    assert store["trained_at"].nunique() == 1  # the second build trained nothing
    assert (store["ml_mode"] == "score").all()
    trained = store[store["status"] == "trained"]
    # nothing was promoted: each model that ranks better than chance is
    ranks = trained["challenger_roc_auc"] > 0.5
    assert ranks.sum() >= 10
    assert (trained["is_promoted"] == ranks).all()
    reg = _df(
        stages.unchanged,
        "select model_id, model_version from ml.ml_model_registry where status = 'trained'",
    )
    assert set(reg["model_version"]) == set(trained.loc[ranks, "model_version"])


def test_two_score_builds_on_unchanged_records_give_the_same_scores_and_no_alert(
    stages: Stages,
) -> None:
    assert _same(stages.first, stages.unchanged, SCORES).empty
    explained = "select * from ml.ml_risk_explanations"
    assert _same(stages.first, stages.unchanged, explained).empty
    # the out-of-time figures of the unchanged versions are kept, not computed again
    assert _same(stages.first, stages.unchanged, "select * from ml.ml_model_evaluation").empty
    runs = _df(stages.unchanged, "select distinct as_of_date from ml.ml_risk_score_history")
    assert len(runs) == 2
    assert _df(stages.unchanged, "select * from ews.ews_alerts").empty


def test_one_students_attendance_changes_that_students_scores_and_alerts_only_them(
    stages: Stages,
) -> None:
    changed = _same(stages.unchanged, stages.one_student, SCORES)
    assert not changed.empty and set(changed["student_id"]) == {stages.student_id}
    alerts = _df(stages.one_student, "select * from ews.ews_alerts")
    assert len(alerts) >= 1 and set(alerts["student_id"]) == {stages.student_id}
    assert (alerts["compared_with"] == "previous run").all()
    assert (alerts["indicator_feature_group"] == "attendance").all()


def _rule_holds(row: pd.Series) -> bool:
    return bool(
        row["challenger_roc_auc"] > row["promoted_roc_auc"]
        and row["challenger_calibration_error"] <= row["promoted_calibration_error"] + 0.01
        and row["challenger_precision_at_capacity"] >= row["promoted_precision_at_capacity"] - 0.02
    )


def test_a_shuffled_label_challenger_is_never_promoted(stages: Stages) -> None:
    history = _df(stages.shuffled, "select * from ml.ml_model_promotions")
    shuffled = history[history["shuffled_training_labels"].fillna(False).astype(bool)]
    trained = shuffled[shuffled["status"] == "trained"]
    assert len(trained) >= 10
    assert not trained["is_promoted"].any()
    assert (trained["promotion_decision"] == "kept").all()
    against = trained[trained["compared_with_version"].notna()]
    assert len(against) >= 10
    assert (against["challenger_roc_auc"] < against["promoted_roc_auc"]).all()
    # where nothing was promoted yet (graduation, first trainable now), chance is the bar
    first = trained[trained["compared_with_version"].isna()]
    assert (first["challenger_roc_auc"] <= 0.5 + 1e-12).all()
    scoring = (
        "select model_id, model_version from ml.ml_model_registry "
        "where status = 'trained' order by model_id"
    )
    assert _df(stages.one_student, scoring).equals(_df(stages.shuffled, scoring))


def test_challengers_with_more_cohorts_are_promoted_by_the_rule_and_recorded(
    stages: Stages,
) -> None:
    history = _df(stages.promoted, "select * from ml.ml_model_promotions")
    last = history[history["trained_at"] == history["trained_at"].max()]
    trained = last[(last["status"] == "trained") & last["compared_with_version"].notna()]
    assert len(trained) >= 10
    assert (trained["is_promoted"] == trained.apply(_rule_holds, axis=1)).all()
    promoted = trained[trained["is_promoted"]]
    assert len(promoted) >= 1, trained[["model_id", "promotion_reason"]].to_string()
    first = history[history["trained_at"] == history["trained_at"].min()].set_index("model_id")
    for _, row in promoted.iterrows():  # learnt from more cohorts than the model replaced
        years = [int(y) for y in str(row["train_school_years"]).split("-")]
        before = [int(y) for y in str(first.loc[row["model_id"], "train_school_years"]).split("-")]
        assert max(years) - min(years) > max(before) - min(before)
    for c in ("challenger_roc_auc", "promoted_roc_auc", "promotion_reason"):
        assert trained[c].notna().all()
    reg = _df(stages.promoted, "select model_id, model_version from ml.ml_model_registry")
    reg = reg.set_index("model_id")["model_version"]
    for _, row in trained.iterrows():
        expected = row["challenger_version"] if row["is_promoted"] else row["compared_with_version"]
        assert reg[row["model_id"]] == expected


def test_after_a_promotion_the_first_run_compares_the_models_instead_of_alerting(
    stages: Stages,
) -> None:
    comparison = _df(stages.promoted, "select * from ml.ml_model_change_comparison")
    scores = _df(stages.promoted, "select distinct model_id, model_version from ml.ml_risk_scores")
    history = _df(stages.promoted, "select * from ml.ml_model_promotions")
    last = history[history["trained_at"] == history["trained_at"].max()]
    swapped = last["is_promoted"] & last["compared_with_version"].notna()
    replaced = set(last.loc[swapped, "model_id"]) & set(scores["model_id"])
    assert replaced and set(comparison["model_id"]) == replaced
    assert comparison["statement"].str.contains("not alerts").all()
    changes = _df(stages.promoted, "select * from ml.ml_risk_run_changes where is_tier_rise")
    alerts = _df(stages.promoted, "select * from ews.ews_alerts")
    from_model = changes[changes["model_id"].isin(replaced)]
    assert not set(zip(from_model["student_id"], from_model["outcome"], strict=True)) & set(
        zip(alerts["student_id"], alerts["outcome"], strict=True)
    )


def test_the_deployed_evaluation_equals_its_recomputation_by_hand(stages: Stages) -> None:
    db = stages.promoted
    evaluation = _df(db, "select * from ml.ml_deployed_evaluation")
    everyone = evaluation[evaluation["group_type"] == "all students"]
    judged = everyone[everyone["school_year"] == 2029]
    # the three runs of spring 2029, each judged against the outcomes known in 2030
    assert judged["as_of_date"].nunique() == 3 and len(judged) >= 3
    history = _df(db, "select * from ml.ml_risk_score_history where school_year = 2029")
    labels = _df(db, "select * from ml.ml_labels where school_year = 2029")
    both = history.merge(labels, on=["student_id", "school_year", "outcome"])
    for _, row in judged.iterrows():
        run = both[
            (both["as_of_date"] == row["as_of_date"]) & (both["model_id"] == row["model_id"])
        ]
        y = run["is_adverse_outcome"].astype(float).to_numpy()
        p = run["risk_probability"].to_numpy()
        assert row["students"] == len(run)
        assert row["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
        top = np.argsort(-p, kind="stable")[: int(np.ceil(0.1 * len(p)))]
        assert row["precision_at_capacity"] == pytest.approx(y[top].mean(), abs=1e-12)
        assert row["observed_rate"] == pytest.approx(y.mean(), abs=1e-12)
    # the stored scores were promoted on an out-of-time estimate, shown beside them
    assert judged["out_of_time_roc_auc"].notna().all()
    assert (judged["roc_auc"] > 0.65).all()
    calibration = _df(db, "select * from ml.ml_deployed_calibration where school_year = 2029")
    per_run = calibration.groupby(["as_of_date", "model_id"])["students"].sum()
    assert (
        per_run.reindex(list(zip(judged["as_of_date"], judged["model_id"], strict=True))).to_numpy()
        == judged["students"].to_numpy()
    ).all()


def _drift(db: Path) -> pd.DataFrame:
    return _df(db, "select * from ml.ml_model_drift")


def test_attendance_five_points_higher_in_the_last_year_raises_the_drift_warning(
    stages: Stages, tmp_path: Path
) -> None:
    unchanged = _drift(stages.promoted)
    assert not unchanged.empty
    calm = unchanged[unchanged["quantity"].isin(ATTENDANCE)]
    assert len(calm) >= 3 and not calm["is_drifted"].any(), calm.to_string()
    db = copy_db(stages.promoted, tmp_path, "risen.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update ml.ml_features set absence_rate_to_date = absence_rate_to_date + 0.05, "
            "latest_quarter_absence_rate = latest_quarter_absence_rate + 0.05 "
            "where school_year = 2030"
        )
    _dbt(db, "run", "--select", "ml_risk_scores", "ml_risk_explanations", "ml_model_drift")
    proc = run_dbt(db, tmp_path, "test", "--select", "assert_model_drift_within_threshold")
    assert proc.returncode == 0 and "WARN" in proc.stdout, proc.stdout[-3000:]
    risen = _drift(db)
    hot = risen[risen["quantity"].isin(ATTENDANCE)]
    assert len(hot) == len(calm) and hot["is_drifted"].all(), hot.to_string()
    scores = risen[risen["quantity"] == "risk_probability"]
    assert (scores["share_top_factor"] >= 0).all()
