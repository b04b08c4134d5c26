"""The model lifecycle's logic on small frames (k12ews.ml.lifecycle): when a build
trains, which model the registry holds, the promotion rule and its decisions (a better
challenger promoted, a shuffled-label one never), drift's stability index and the
deployed evaluation recomputed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from test_ml_typed import _elementary

from k12ews.ml import schemas, typed
from k12ews.ml.lifecycle import cards, deployed, drift, model_change, promotion, reuse, store
from k12ews.ml.lifecycle.rules import LifecycleSettings
from k12ews.ml.risk import scoring, training
from k12ews.ml.risk.settings import Settings

RULES = LifecycleSettings()
TRAIN_RULES = LifecycleSettings(mode="train")
WHEN = pd.Timestamp("2024-07-01 02:00:00")


def _figures(auc: float, ece: float = 0.05, precision: float = 0.5) -> promotion.Figures:
    return promotion.Figures(auc, ece, precision, 500)


def test_the_rule_promotes_only_a_challenger_at_least_as_good_on_every_figure():
    promoted = _figures(0.80)
    assert promotion.decide(_figures(0.82), promoted, RULES)[0]
    # a tie goes to the promoted model
    wins, why = promotion.decide(_figures(0.80), promoted, RULES)
    assert not wins and "not above" in why
    # better ranking, but worse calibration or precision beyond the tolerances
    assert not promotion.decide(_figures(0.85, ece=0.07), promoted, RULES)[0]
    assert promotion.decide(_figures(0.85, ece=0.059), promoted, RULES)[0]
    assert not promotion.decide(_figures(0.85, precision=0.47), promoted, RULES)[0]
    assert not promotion.decide(_figures(float("nan")), promoted, RULES)[0]
    stricter = LifecycleSettings(min_auc_gain=0.03)
    assert not promotion.decide(_figures(0.82), promoted, stricter)[0]
    # with nothing promoted, a model must rank better than chance (the base rate's 0.5)
    assert promotion.decide_first(_figures(0.7), RULES)[0]
    wins, why = promotion.decide_first(_figures(0.5), RULES)
    assert not wins and "ranks no one" in why


def _store(rows: list[dict[str, object]]) -> pd.DataFrame:
    return typed.coerce(pd.DataFrame(rows), schemas.ML_MODEL_STORE)


def test_a_build_trains_in_train_mode_or_with_nothing_promoted():
    empty = typed.empty(schemas.ML_MODEL_STORE)
    assert store.should_train(empty, RULES)
    not_trained = _store([{"model_id": "m", "status": "not_trained", "is_promoted": False}])
    assert store.should_train(not_trained, RULES)
    promoted = _store([{"model_id": "m", "status": "trained", "is_promoted": True}])
    assert not store.should_train(promoted, RULES)
    assert store.should_train(promoted, TRAIN_RULES)


def test_the_registry_holds_each_models_latest_promoted_version():
    rows = [
        {
            "model_id": "a",
            "model_version": "a1",
            "status": "trained",
            "is_promoted": True,
            "trained_at": pd.Timestamp("2023-07-01"),
        },
        {
            "model_id": "a",
            "model_version": "a2",
            "status": "trained",
            "is_promoted": True,
            "trained_at": pd.Timestamp("2024-07-01"),
        },
        {
            "model_id": "a",
            "model_version": "a3",
            "status": "trained",
            "is_promoted": False,
            "trained_at": pd.Timestamp("2025-07-01"),
        },
        {
            "model_id": "b",
            "model_version": None,
            "status": "not_trained",
            "is_promoted": False,
            "status_reason": "too few",
            "trained_at": pd.Timestamp("2023-07-01"),
        },
        {
            "model_id": "b",
            "model_version": None,
            "status": "not_trained",
            "is_promoted": False,
            "status_reason": "still too few",
            "trained_at": pd.Timestamp("2024-07-01"),
        },
    ]
    rows.append(
        {
            "model_id": "c",
            "model_version": "c1",
            "status": "trained",
            "is_promoted": False,
            "promotion_reason": "not promoted: chance",
            "trained_at": pd.Timestamp("2024-07-01"),
        }
    )
    reg = store.promoted_registry(_store(rows))
    c = reg.set_index("model_id").loc["c"]
    assert c["status"] == "not_trained" and c["status_reason"] == "not promoted: chance"
    assert list(reg.columns) == list(schemas.ML_MODEL_REGISTRY)
    assert reg.set_index("model_id")["model_version"].to_dict()["a"] == "a2"
    assert reg.set_index("model_id")["status_reason"]["b"] == "still too few"
    assert store.promoted_registry(typed.empty(schemas.ML_MODEL_STORE)).empty


@pytest.fixture(scope="module")
def history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six years of elementary students whose outcome follows their absence closely."""
    feats, labels = _elementary(range(2018, 2024), per_year=500, seed=3)
    absence = labels[["student_id"]].merge(feats, on="student_id")["absence_rate_to_date"]
    rng = np.random.default_rng(4)
    chance = 1 / (1 + np.exp(-(-4.0 + 40.0 * absence.to_numpy(dtype=float))))
    return feats, labels.assign(is_adverse_outcome=rng.random(len(labels)) < chance)


def _train(feats: pd.DataFrame, labels: pd.DataFrame, **kw: object) -> pd.DataFrame:
    return training.train_registry(feats, labels, Settings(**kw), "2024-06-30")  # type: ignore[arg-type]


def test_a_better_challenger_is_promoted_and_a_shuffled_one_never(
    history: tuple[pd.DataFrame, pd.DataFrame],
):
    feats, labels = history
    data = (feats, labels)
    # the promoted model learnt from fewer cohorts, more than half of whose labels were noise
    weak = labels.copy()
    rng = np.random.default_rng(1)
    noisy = (weak["school_year"] <= 2020).to_numpy() & (rng.random(len(weak)) < 0.6)
    weak.loc[noisy, "is_adverse_outcome"] = rng.permutation(
        weak.loc[noisy, "is_adverse_outcome"].to_numpy()
    )
    first = promotion.decide_all(
        _train(feats[feats["school_year"] <= 2021], weak),
        typed.empty(schemas.ML_MODEL_REGISTRY),
        data,
        RULES,
        WHEN,
    )
    trained = first["status"] == "trained"
    assert trained.any() and first.loc[trained, "is_promoted"].all()  # nothing promoted yet
    reg = store.promoted_registry(first)

    shuffled = promotion.decide_all(
        _train(feats, labels, shuffle_training_labels=True),
        reg,
        data,
        TRAIN_RULES,
        WHEN + pd.Timedelta(days=1),
    )
    done = shuffled[shuffled["status"] == "trained"]
    assert len(done) >= 1 and not done["is_promoted"].any()
    assert (done["challenger_roc_auc"] < done["promoted_roc_auc"]).all()
    assert done["promotion_reason"].str.startswith("kept the promoted model").all()

    better = promotion.decide_all(
        _train(feats, labels), reg, data, TRAIN_RULES, WHEN + pd.Timedelta(days=2)
    )
    done = better[better["status"] == "trained"]
    assert len(done) >= 1 and done["is_promoted"].all(), done["promotion_reason"].tolist()
    assert (done["challenger_roc_auc"] > done["promoted_roc_auc"]).all()
    assert (
        done["compared_with_version"]
        == reg.set_index("model_id").loc[done["model_id"], "model_version"].to_numpy()
    ).all()
    # the same data and seed again: the same version, kept
    again = promotion.decide_all(
        _train(feats, labels),
        store.promoted_registry(pd.concat([first, better])),
        data,
        TRAIN_RULES,
        WHEN + pd.Timedelta(days=3),
    )
    done = again[again["status"] == "trained"]
    assert (done["promotion_decision"] == promotion.KEPT).all()
    assert done["promotion_reason"].str.contains("same version").all()


def test_the_stability_index_is_zero_for_the_same_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    base = rng.beta(2, 20, 5000)
    assert drift.psi(base, rng.permutation(base)) == pytest.approx(0.0, abs=1e-12)
    assert drift.psi(base, rng.beta(2, 20, 5000)) < 0.02
    risen = drift.psi(base, base + 0.05)
    assert risen > 0.25 and drift.status(risen, RULES) == drift.LARGE
    assert drift.status(0.12, RULES) == drift.SHIFT and drift.status(0.05, RULES) == drift.STABLE
    # missing values are a bin of their own
    gaps = base.copy()
    gaps[:1000] = np.nan
    assert drift.psi(base, gaps) > 0.25
    # a training year with no value on record (no prior year in the extract's first year)
    years = np.repeat([2025, 2026], 2500)
    first_unknown = np.where(years == 2025, np.nan, base)
    assert drift.psi(drift.recorded(first_unknown, years), base) < 0.02


def test_the_deployed_evaluation_equals_the_figures_recomputed_by_hand():
    rng = np.random.default_rng(5)
    n = 400
    p = rng.random(n)
    y = rng.random(n) < p
    hist = pd.DataFrame(
        {
            "as_of_date": pd.Timestamp("2023-03-15"),
            "student_id": [f"s{i}" for i in range(n)],
            "school_year": 2023,
            "outcome": "next_grade_success",
            "grade_band": "middle",
            "decision_point": "q2",
            "model_id": "m",
            "model_version": "v1",
            "risk_probability": p,
        }
    )
    labels = pd.DataFrame(
        {
            "student_id": hist["student_id"],
            "school_year": 2023,
            "outcome": "next_grade_success",
            "is_adverse_outcome": y,
        }
    )
    labels["is_adverse_outcome"] = labels["is_adverse_outcome"].astype("boolean")
    labels.loc[:29, "is_adverse_outcome"] = pd.NA  # 30 outcomes not known yet
    groups = pd.DataFrame(
        {
            "student_id": hist["student_id"],
            "school_year": 2023,
            "sex": np.where(np.arange(n) % 2, "F", "M"),
        }
    )
    oot = pd.DataFrame(
        {"model_version": ["v1"], "test_roc_auc": [0.8], "test_calibration_error": [0.03]}
    )
    out = deployed.evaluate(hist, labels, groups, oot, 0.1)
    everyone = out[out["group_type"] == deployed.ALL].iloc[0]
    known = slice(30, None)
    assert everyone["students"] == n - 30 and everyone["scored_students"] == n
    assert everyone["roc_auc"] == pytest.approx(roc_auc_score(y[known], p[known]))
    top = np.argsort(-p[known], kind="stable")[: int(np.ceil(0.1 * (n - 30)))]
    assert everyone["precision_at_capacity"] == pytest.approx(y[known][top].mean())
    assert everyone["out_of_time_roc_auc"] == 0.8
    assert set(out.loc[out["group_type"] == "sex", "group_value"]) == {"F", "M"}
    cal = deployed.calibration(hist, labels)
    assert len(cal) == 10 and cal["students"].sum() == n - 30
    # a cohort whose outcomes are mostly unknown is not judged yet
    labels["is_adverse_outcome"] = pd.NA
    assert deployed.evaluate(hist, labels, groups, oot, 0.1).empty


def test_every_promoted_model_has_a_card_in_school_terms(
    history: tuple[pd.DataFrame, pd.DataFrame],
):
    feats, labels = history
    first = promotion.decide_all(
        _train(feats, labels), typed.empty(schemas.ML_MODEL_REGISTRY), (feats, labels), RULES, WHEN
    )
    reg = store.promoted_registry(first)
    empty = pd.DataFrame(columns=["model_version"])
    out = cards.cards(reg, first[first["is_promoted"]], empty, empty, empty)
    trained = scoring.trained(reg)
    assert len(out) == len(trained) * len(cards.SECTIONS)
    assert list(out["section"].iloc[: len(cards.SECTIONS)]) == list(cards.SECTIONS)
    text = out.set_index(["model_id", "section"])["content"]
    model = trained["model_id"].iloc[0]
    assert "Not for decisions about a student on its own" in text[(model, "out of scope")]
    assert text[(model, "deployed figures")].startswith("Not yet known")
    assert "did not succeed in the next grade" in text[(model, "tiers")]
    assert "absence_rate_to_date" in text[(model, "features")]
    assert out["promoted_at"].notna().all()


def test_after_a_promotion_the_old_model_scores_the_same_records(
    history: tuple[pd.DataFrame, pd.DataFrame],
):
    feats, labels = history
    data = (feats, labels)
    old = promotion.decide_all(
        _train(feats[feats["school_year"] <= 2021], labels),
        typed.empty(schemas.ML_MODEL_REGISTRY),
        data,
        RULES,
        WHEN,
    )
    new = old.assign(model_version=old["model_version"] + "x")  # a new version, other bytes
    new_reg = store.promoted_registry(new)
    points = (
        feats[["school_year", "decision_point", "decision_point_order", "decision_date"]]
        .drop_duplicates()
        .assign(is_complete=True)
    )
    scores_now = scoring.score_current(new_reg, feats, points)
    assert len(scores_now)
    runs = pd.concat(
        [
            scores_now.assign(
                as_of_date=pd.Timestamp("2024-06-01"),
                model_version=scores_now["model_version"].str[:-1],
            ),
            scores_now.assign(as_of_date=pd.Timestamp("2024-06-08")),
        ]
    )
    replaced = model_change.replaced_models(runs)
    assert set(replaced["model_id"]) == set(scores_now["model_id"])
    out = model_change.compare(replaced, old, scores_now, feats, points)
    # the same model under two versions: no tier moves on the same records
    assert (out["tier_rises_from_model"] == 0).all() and (out["tier_falls_from_model"] == 0).all()
    assert out["mean_absolute_probability_change"].max() == pytest.approx(0.0, abs=1e-12)
    assert out["statement"].str.contains("not alerts").all()
    # one run only: nothing replaced
    assert model_change.replaced_models(runs[runs["as_of_date"] == runs["as_of_date"].max()]).empty


def test_the_out_of_time_figures_of_unchanged_versions_are_kept_and_of_new_ones_computed():
    reg = _store([{"model_id": "a", "model_version": "a1", "status": "trained"}])
    previous = pd.DataFrame({"model_version": ["a1", "a1"], "roc_auc": [0.8, 0.7]})
    assert reuse.keep_previous(previous, reg)
    assert not reuse.keep_previous(None, reg)
    newer = _store([{"model_id": "a", "model_version": "a2", "status": "trained"}])
    assert not reuse.keep_previous(previous, newer)
