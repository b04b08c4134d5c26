"""Training the registry (``train_registry``): for every grade band x outcome x decision
point, an out-of-time split, the chosen and calibrated model (and the same model with
student characteristics, for the evaluation), test figures, tier meanings and feature
importance -> one registry row per model, the fitted model serialised with skops."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sklearn
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.risk import constraint_cost, evaluate, features, registry, splits, train
from k12ews.ml.risk.directions import Directions
from k12ews.ml.risk.reference import TypicalStudents
from k12ews.ml.risk.settings import (
    COMPARISON_DECISION_POINT,
    FEATURE_SETS,
    POOLED_LEVEL_OUTCOMES,
    Settings,
    model_id,
    model_rows,
    with_labels,
)
from k12ews.ml.vocabulary import DECISION_POINTS

# A model needs at least this many students with each outcome (adverse and not) in its
# training cohort and in its validation cohort: fewer cannot choose a candidate or fit a
# calibration (a tiny district's, or one outcome only).
MIN_STUDENTS_PER_OUTCOME = 5
NO_KNOWN_VALUE = "no known value in the training rows"
ONE_VALUE = "one value only in the training rows"


def _outcome_counts(y: np.ndarray) -> list[int]:
    return [int((y == 1).sum()), int((y == 0).sum())]


def _not_informative(x: np.ndarray, known: np.ndarray, names: list[str]) -> dict[str, str]:
    """The columns a model cannot learn from, each with the reason: no value on record in
    the training rows (``known``: the values before any stand-in, e.g. a whole indicator
    unknown because the district's export has no such table), or the same value in all of
    them. Such a column is left out of the model, so no score rests on a stand-in value."""
    out = {}
    for i, name in enumerate(names):
        if not known[:, i].any():
            out[name] = NO_KNOWN_VALUE
            continue
        col = x[:, i]
        if len(np.unique(col[~np.isnan(col)])) < 2:
            out[name] = ONE_VALUE
    return out


def _json(obj: object) -> str:
    def clean(v: object) -> object:
        if isinstance(v, float) and np.isnan(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, np.floating | np.integer):
            return clean(v.item())
        return v

    return json.dumps(clean(obj), sort_keys=True)


def _importance(
    model: train.FittedModel, x: np.ndarray, grades: np.ndarray
) -> list[dict[str, object]]:
    contrib = model.contributions(x, grades)
    mean_abs = np.abs(contrib).mean(axis=0)
    total = float(mean_abs.sum()) or 1.0
    order = np.argsort(-mean_abs, kind="stable")
    return [
        {
            "feature": model.features[i],
            "feature_group": features.feature_group(model.features[i]),
            "mean_absolute_contribution": float(mean_abs[i]),
            "share_of_total": float(mean_abs[i] / total),
            "mean_contribution": float(contrib[:, i].mean()),
            "rank": r + 1,
        }
        for r, i in enumerate(order)
    ]


def _not_trained(base: dict[str, object], reason: str) -> dict[str, object]:
    return {**base, "status": "not_trained", "status_reason": reason}


def train_registry(
    feats: pd.DataFrame,
    labels: pd.DataFrame,
    settings: Settings,
    as_of_date: str,
    directions: Directions | None = None,
) -> pd.DataFrame:
    """One registry row per band x outcome x decision point x feature set, each model
    fitted under the agreed ``directions`` (default: seed ml_feature_directions as
    shipped; ``Directions.none()`` fits without constraints)."""
    directions = Directions.load() if directions is None else directions
    # One thread, OpenMP and BLAS: boosting with its threads spinning against other
    # processes on a small machine ran ten times slower than one thread
    # (docs/benchmarks.md), and the logistic fits' coefficients differed in their last bits from
    # run to run with two BLAS threads, which changed the models' content hashes.
    with threadpool_limits(limits=1):
        return _train_all(feats, labels, settings, as_of_date, directions)


def _train_all(
    feats: pd.DataFrame,
    labels: pd.DataFrame,
    settings: Settings,
    as_of_date: str,
    directions: Directions,
) -> pd.DataFrame:
    feats = _indexed(feats)
    design_all = features.design_frame(feats)
    # which values are on record, before the stand-ins for a missing test level
    known_all = features.design_frame(feats, stand_ins=False).notna()
    rows_out: list[dict[str, object]] = []
    for outcome, bands in features.OUTCOME_BANDS.items():
        for band in bands:
            for dp in DECISION_POINTS:
                rows = with_labels(model_rows(feats, band, outcome, dp), labels, outcome)
                chosen: train.FittedModel | None = None
                for feature_set in FEATURE_SETS:
                    if (
                        feature_set != settings.scoring_feature_set
                        and dp != COMPARISON_DECISION_POINT
                    ):
                        continue  # the other feature set is fitted for the comparison only
                    base: dict[str, object] = {
                        "model_id": model_id(band, outcome, dp, feature_set),
                        "grade_band": band,
                        "outcome": outcome,
                        "decision_point": dp,
                        "feature_set": feature_set,
                        "is_scoring_model": feature_set == settings.scoring_feature_set,
                        "as_of_date": as_of_date,
                    }
                    result = _train_one(
                        rows,
                        (design_all, known_all),
                        base,
                        feature_set,
                        (settings, directions),
                        chosen,
                    )
                    if feature_set == FEATURE_SETS[0] and isinstance(result, tuple):
                        chosen = result[1]
                    rows_out.append(result[0] if isinstance(result, tuple) else result)
    return typed.coerce(pd.DataFrame(rows_out), REGISTRY_COLUMNS)


REGISTRY_COLUMNS = schemas.ML_MODEL_REGISTRY


def _indexed(feats: pd.DataFrame) -> pd.DataFrame:
    """Feature rows with ``row_id`` = position, the key into their design frame."""
    out = feats.reset_index(drop=True)
    out["row_id"] = np.arange(len(out))
    return out


def _design(rows: pd.DataFrame, design_all: pd.DataFrame, names: list[str]) -> np.ndarray:
    return design_all.loc[rows["row_id"].to_numpy(), names].to_numpy(dtype=float)


@dataclass(frozen=True)
class _Cohorts:
    """A model's out-of-time split and which of its rows fall in each cohort (rows with
    a known outcome only)."""

    split: splits.CohortSplit
    train: pd.Series
    validation: pd.Series
    test: pd.Series


def _cohorts(rows: pd.DataFrame) -> _Cohorts | str:
    """The out-of-time cohorts of the rows, or why there are none."""
    known = rows["y"].notna()
    if not known.any():
        return "no student with a known outcome"
    try:
        split = splits.cohort_split(splits.coverage_by_year(rows, known))
    except splits.InsufficientHistoryError as exc:
        return str(exc)
    role = rows["school_year"].map(split.role)
    tr, va, te = ((role == r) & known for r in ("train", "validation", "test"))
    return _Cohorts(split, tr, va, te)


@dataclass(frozen=True)
class _Inputs:
    """The model's input columns (those informative in the training rows), their values
    and whether each value is on record, for every row; the columns left out and why."""

    names: list[str]
    x: np.ndarray
    known: np.ndarray
    not_used: dict[str, str]


def _inputs(
    rows: pd.DataFrame,
    design: tuple[pd.DataFrame, pd.DataFrame],
    band: str,
    outcome: str,
    feature_set: str,
    train_rows: np.ndarray,
) -> _Inputs:
    candidate_names = features.feature_names(
        band, outcome, include_characteristics=feature_set == FEATURE_SETS[1]
    )
    design_all, known_all = design
    x_all = _design(rows, design_all, candidate_names)
    known_cols = _design(rows, known_all, candidate_names) > 0
    not_used = _not_informative(x_all[train_rows], known_cols[train_rows], candidate_names)
    keep = [i for i, n in enumerate(candidate_names) if n not in not_used]
    names = [candidate_names[i] for i in keep]
    return _Inputs(names, x_all[:, keep], known_cols[:, keep], not_used)


def _labels_to_learn(y: np.ndarray, cohorts: _Cohorts, settings: Settings) -> np.ndarray:
    """The outcomes the model learns from: shuffled within the training and validation
    cohorts when the settings ask for it (the null check), else as they are."""
    y_learn = y.copy()
    if settings.shuffle_training_labels:
        rng = np.random.default_rng(settings.seed)
        learn = (cohorts.train | cohorts.validation).to_numpy()
        y_learn[learn] = rng.permutation(y_learn[learn])
    return y_learn


@dataclass(frozen=True)
class _Learning:
    """What one model learns from: training and validation cohorts, their outcomes, and
    the rules of the fit."""

    x_tr: np.ndarray
    y_tr: np.ndarray
    x_va: np.ndarray
    y_va: np.ndarray
    names: list[str]
    signs: list[int]
    pooled: bool
    seed: int


def _fit(
    learning: _Learning, typical: TypicalStudents, chosen: train.FittedModel | None
) -> train.FittedModel:
    """The chosen and calibrated candidate; with ``chosen`` (the actionable model of the
    same band, outcome and decision point), that candidate refitted on these columns."""
    lr = learning
    if chosen is None:
        return train.choose_and_calibrate(
            lr.x_tr,
            lr.y_tr,
            lr.x_va,
            lr.y_va,
            lr.names,
            lr.seed,
            pooled_level=lr.pooled,
            signs=lr.signs,
            typical=typical,
        )
    est = train.fit_candidate(chosen.candidate, lr.x_tr, lr.y_tr, lr.seed, lr.signs)
    return train.calibrate(
        chosen.candidate,
        est,
        lr.x_tr,
        lr.x_va,
        lr.y_va,
        lr.names,
        chosen.considered,
        y_train=lr.y_tr if lr.pooled else None,
        typical=typical,
    )


def _version(
    model: train.FittedModel,
    model_bytes: bytes,
    cohorts: _Cohorts,
    learning: _Learning,
    settings: Settings,
) -> str:
    split = cohorts.split
    settings_for_version = {
        "features": learning.names,
        "split": [split.train_years, split.validation_years, split.test_years],
        "hyper_parameters": {"candidate": model.candidate.name, **model.candidate.params},
        # ten significant digits: the calibration's last bits can differ between runs of
        # the same fit (floating-point sums in the solver), and a version must not
        "platt": [float(f"{v:.10g}") for v in (model.platt_slope, model.platt_intercept)],
        "platt_level": "train and validation" if learning.pooled else "validation",
        "directions": learning.signs,
        "seed": settings.seed,
        "shuffled": settings.shuffle_training_labels,
    }
    return registry.model_version(model_bytes, settings_for_version)


def _registry_row(
    base: dict[str, object],
    model: train.FittedModel,
    cohorts: _Cohorts,
    learning: _Learning,
    inputs: _Inputs,
    y: np.ndarray,
    grades: np.ndarray,
    settings: Settings,
) -> dict[str, object]:
    """The trained model's registry row: its cohorts, the cost of its direction
    constraints, its test figures and tier meanings, importance and the model itself."""
    outcome, dp = str(base["outcome"]), str(base["decision_point"])
    split, tr, va, te = cohorts.split, cohorts.train, cohorts.validation, cohorts.test
    test_rows = te.to_numpy()
    x_te, y_te = inputs.x[test_rows], y[test_rows]
    cost = constraint_cost.unconstrained_comparison(
        model,
        constraint_cost.CostInputs(
            learning.x_tr,
            learning.y_tr,
            learning.x_va,
            learning.y_va,
            x_te,
            y_te,
            inputs.known[test_rows],
            learning.names,
            settings.seed,
            learning.pooled,
        ),
        learning.signs,
    )
    p_te = model.predict_proba(x_te)
    test_metrics = evaluate.score_metrics(y_te, p_te, probability=True)
    thresholds = dict(settings.tier_thresholds[outcome])
    meanings = evaluate.tier_meanings(
        y_te, p_te, thresholds, outcome, dp, splits.CohortSplit.label(split.test_years)
    )
    model_bytes = registry.dump_estimator(model.estimator)
    hyper = {"candidate": model.candidate.name, **model.candidate.params}
    return {
        **base,
        "status": "trained",
        "status_reason": None,
        "model_version": _version(model, model_bytes, cohorts, learning, settings),
        "train_school_years": splits.CohortSplit.label(split.train_years),
        "validation_school_years": splits.CohortSplit.label(split.validation_years),
        "test_school_years": splits.CohortSplit.label(split.test_years),
        "train_students": int(tr.sum()),
        "validation_students": int(va.sum()),
        "test_students": int(te.sum()),
        "train_event_rate": float(np.mean(y[tr.to_numpy()])),
        "test_event_rate": float(np.mean(y_te)),
        "features": _json(learning.names),
        "candidate": model.candidate.name,
        "hyper_parameters": _json(hyper),
        "candidates_considered": _json(model.considered),
        "platt_slope": model.platt_slope,
        "platt_intercept": model.platt_intercept,
        "explainer": _json(model.explainer.to_dict()),
        "test_roc_auc": test_metrics["roc_auc"],
        "test_pr_auc": test_metrics["pr_auc"],
        "test_brier_score": test_metrics["brier_score"],
        "test_calibration_error": test_metrics["calibration_error"],
        "test_metrics": _json(test_metrics),
        "tier_thresholds": _json(thresholds),
        "tier_meanings": _json(meanings),
        "feature_importance": _json(_importance(model, x_te, grades[test_rows])),
        **cost,
        "shuffled_training_labels": settings.shuffle_training_labels,
        "seed": settings.seed,
        "serialization": "skops",
        "sklearn_version": sklearn.__version__,
        "model_bytes": model_bytes,
    }


def _train_one(
    rows: pd.DataFrame,
    design: tuple[pd.DataFrame, pd.DataFrame],
    base: dict[str, object],
    feature_set: str,
    rules: tuple[Settings, Directions],
    chosen: train.FittedModel | None,
) -> tuple[dict[str, object], train.FittedModel] | dict[str, object]:
    """One registry row: the trained model's (with the model), or why none was trained."""
    settings, directions = rules
    band, outcome = str(base["grade_band"]), str(base["outcome"])
    cohorts = _cohorts(rows)
    if isinstance(cohorts, str):
        return _not_trained(base, cohorts)
    y = rows["y"].to_numpy()
    if feature_set == FEATURE_SETS[1] and chosen is None:
        return _not_trained(base, "the actionable model was not trained")
    inputs = _inputs(rows, design, band, outcome, feature_set, cohorts.train.to_numpy())
    signs = directions.signs_for(inputs.names)
    grades = rows["grade_level"].to_numpy(dtype=np.int64)
    base = {
        **base,
        "features_not_used": _json(inputs.not_used),
        "direction_constraints": directions.to_json(inputs.names),
    }
    if not inputs.names:
        return _not_trained(base, "no indicator has two or more known values in the training rows")
    y_learn = _labels_to_learn(y, cohorts, settings)
    tr, va = cohorts.train.to_numpy(), cohorts.validation.to_numpy()
    learning = _Learning(
        x_tr=inputs.x[tr],
        y_tr=y_learn[tr],
        x_va=inputs.x[va],
        y_va=y_learn[va],
        names=inputs.names,
        signs=signs,
        pooled=outcome in POOLED_LEVEL_OUTCOMES,
        seed=settings.seed,
    )
    if (
        min(_outcome_counts(learning.y_tr) + _outcome_counts(learning.y_va))
        < MIN_STUDENTS_PER_OUTCOME
    ):
        return _not_trained(
            base,
            f"fewer than {MIN_STUDENTS_PER_OUTCOME} students with each outcome in the training "
            "or validation cohort",
        )
    # The typical student of each grade over every school year on record at this
    # decision point (not the training cohorts alone: the district's first years have
    # no "last year", which would make a typical student without one).
    typical = TypicalStudents.fit(
        inputs.x, inputs.known, grades, features.missing_fill(inputs.names)
    )
    model = _fit(learning, typical, chosen)
    return _registry_row(base, model, cohorts, learning, inputs, y, grades, settings), model
