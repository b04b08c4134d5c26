"""Training the registry (``train_registry``): for every grade band x outcome x decision
point, an out-of-time split, the chosen and calibrated model (and the same model with
student characteristics, for the evaluation), test figures, tier meanings and feature
importance -> one registry row per model, the fitted model serialised with skops."""

from __future__ import annotations

import json

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
    # processes on a small machine ran ten times slower than one thread (README,
    # benchmarks), and the logistic fits' coefficients differed in their last bits from
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


def _train_one(
    rows: pd.DataFrame,
    design: tuple[pd.DataFrame, pd.DataFrame],
    base: dict[str, object],
    feature_set: str,
    rules: tuple[Settings, Directions],
    chosen: train.FittedModel | None,
) -> tuple[dict[str, object], train.FittedModel] | dict[str, object]:
    settings, directions = rules
    band, outcome, dp = str(base["grade_band"]), str(base["outcome"]), str(base["decision_point"])
    known = rows["y"].notna()
    if not known.any():
        return _not_trained(base, "no student with a known outcome")
    try:
        split = splits.cohort_split(splits.coverage_by_year(rows, known))
    except splits.InsufficientHistoryError as exc:
        return _not_trained(base, str(exc))
    role = rows["school_year"].map(split.role)
    tr, va, te = ((role == r) & known for r in ("train", "validation", "test"))
    y = rows["y"].to_numpy()
    if feature_set == FEATURE_SETS[1] and chosen is None:
        return _not_trained(base, "the actionable model was not trained")
    candidate_names = features.feature_names(
        band, outcome, include_characteristics=feature_set == FEATURE_SETS[1]
    )
    design_all, known_all = design
    x_all = _design(rows, design_all, candidate_names)
    known_cols = _design(rows, known_all, candidate_names) > 0
    known_tr = known_cols[tr.to_numpy()]
    not_used = _not_informative(x_all[tr.to_numpy()], known_tr, candidate_names)
    keep = [i for i, n in enumerate(candidate_names) if n not in not_used]
    names = [candidate_names[i] for i in keep]
    x_all, known_cols = x_all[:, keep], known_cols[:, keep]
    signs = directions.signs_for(names)
    grades = rows["grade_level"].to_numpy(dtype=np.int64)
    base = {
        **base,
        "features_not_used": _json(not_used),
        "direction_constraints": directions.to_json(names),
    }
    if not names:
        return _not_trained(base, "no indicator has two or more known values in the training rows")
    y_learn = y.copy()
    if settings.shuffle_training_labels:
        rng = np.random.default_rng(settings.seed)
        learn = (tr | va).to_numpy()
        y_learn[learn] = rng.permutation(y_learn[learn])
    x_tr, y_tr = x_all[tr.to_numpy()], y_learn[tr.to_numpy()]
    x_va, y_va = x_all[va.to_numpy()], y_learn[va.to_numpy()]
    if min(_outcome_counts(y_tr) + _outcome_counts(y_va)) < MIN_STUDENTS_PER_OUTCOME:
        return _not_trained(
            base,
            f"fewer than {MIN_STUDENTS_PER_OUTCOME} students with each outcome in the training "
            "or validation cohort",
        )
    pooled = outcome in POOLED_LEVEL_OUTCOMES
    # The typical student of each grade over every school year on record at this
    # decision point (not the training cohorts alone: the district's first years have
    # no "last year", which would make a typical student without one).
    typical = TypicalStudents.fit(x_all, known_cols, grades, features.missing_fill(names))
    if chosen is None:
        model = train.choose_and_calibrate(
            x_tr,
            y_tr,
            x_va,
            y_va,
            names,
            settings.seed,
            pooled_level=pooled,
            signs=signs,
            typical=typical,
        )
    else:
        est = train.fit_candidate(chosen.candidate, x_tr, y_tr, settings.seed, signs)
        model = train.calibrate(
            chosen.candidate,
            est,
            x_tr,
            x_va,
            y_va,
            names,
            chosen.considered,
            y_train=y_tr if pooled else None,
            typical=typical,
        )
    x_te, y_te = x_all[te.to_numpy()], y[te.to_numpy()]
    cost = constraint_cost.unconstrained_comparison(
        model,
        constraint_cost.CostInputs(
            x_tr,
            y_tr,
            x_va,
            y_va,
            x_te,
            y_te,
            known_cols[te.to_numpy()],
            names,
            settings.seed,
            pooled,
        ),
        signs,
    )
    p_te = model.predict_proba(x_te)
    test_metrics = evaluate.score_metrics(y_te, p_te, probability=True)
    thresholds = dict(settings.tier_thresholds[outcome])
    meanings = evaluate.tier_meanings(
        y_te, p_te, thresholds, outcome, dp, splits.CohortSplit.label(split.test_years)
    )
    model_bytes = registry.dump_estimator(model.estimator)
    hyper = {"candidate": model.candidate.name, **model.candidate.params}
    settings_for_version = {
        "features": names,
        "split": [split.train_years, split.validation_years, split.test_years],
        "hyper_parameters": hyper,
        # ten significant digits: the calibration's last bits can differ between runs of
        # the same fit (floating-point sums in the solver), and a version must not
        "platt": [float(f"{v:.10g}") for v in (model.platt_slope, model.platt_intercept)],
        "platt_level": "train and validation" if pooled else "validation",
        "directions": signs,
        "seed": settings.seed,
        "shuffled": settings.shuffle_training_labels,
    }
    row = {
        **base,
        "status": "trained",
        "status_reason": None,
        "model_version": registry.model_version(model_bytes, settings_for_version),
        "train_school_years": splits.CohortSplit.label(split.train_years),
        "validation_school_years": splits.CohortSplit.label(split.validation_years),
        "test_school_years": splits.CohortSplit.label(split.test_years),
        "train_students": int(tr.sum()),
        "validation_students": int(va.sum()),
        "test_students": int(te.sum()),
        "train_event_rate": float(np.mean(y[tr.to_numpy()])),
        "test_event_rate": float(np.mean(y_te)),
        "features": _json(names),
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
        "feature_importance": _json(_importance(model, x_te, grades[te.to_numpy()])),
        **cost,
        "shuffled_training_labels": settings.shuffle_training_labels,
        "seed": settings.seed,
        "serialization": "skops",
        "sklearn_version": sklearn.__version__,
        "model_bytes": model_bytes,
    }
    return row, model
