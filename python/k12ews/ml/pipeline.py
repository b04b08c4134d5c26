"""The risk-model steps the dbt Python models in models/ml call, one function each.

- ``train_registry``: for every grade band x outcome x decision point, an out-of-time
  split, the chosen and calibrated model (and the same model with student
  characteristics, for the evaluation), test figures, tier meanings and feature
  importance -> one registry row per model, the fitted model serialised with skops;
- ``score_current``: the current year's students at the latest complete decision point;
- ``explain_current``: every feature's exact contribution to each score, with sentences;
- ``feature_importance``: the registry's importance figures as rows;
- ``evaluate_registry``: the test cohorts' figures for each model, the named baselines and
  student groups.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sklearn
from threadpoolctl import threadpool_limits

from k12ews.ml import evaluate, features, registry, schemas, sentences, splits, train, typed
from k12ews.ml.explain import AdditiveExplainer

FEATURE_SETS = ("actionable", "with_student_characteristics")
# The feature set not used for scoring is fitted at this decision point only, so the
# evaluation can set the two side by side (ml_model_evaluation) without doubling the
# training time.
COMPARISON_DECISION_POINT = "eoy"

# Outcomes whose calibration level (Platt intercept) is pooled over the training and
# validation cohorts; the slope stays the validation cohort's (train.calibrate). On-time
# graduation is one to seven years away, so a cohort's outcome averages over several
# future years' conditions and the cohorts' levels differ by little more than their
# sampling noise; one validation cohort (about 1,800 middle- or 2,700 high-school
# students) then sets the level by its own luck, and the graduation models' top decile
# ran 0.035-0.044 above the truth. Next-grade success is a year away and moves with the
# next year's conditions (the post-2020 rise in absence), so its level stays the latest
# cohort's; grade-3 reading keeps the plain rule too. docs/risk_models.md has the figures.
POOLED_LEVEL_OUTCOMES = frozenset({"on_time_graduation"})

DEFAULT_TIERS: dict[str, dict[str, float]] = {
    "next_grade_success": {"high": 0.5, "moderate": 0.25},
    "on_time_graduation": {"high": 0.4, "moderate": 0.15},
    "grade_3_reading": {"high": 0.85, "moderate": 0.6},
}


@dataclass(frozen=True)
class Settings:
    """What the dbt vars decide (dbt_project.yml, models/ml/_ml__models.yml)."""

    seed: int = 20240901
    include_student_characteristics: bool = False
    shuffle_training_labels: bool = False  # the negative control: learn from noise
    tier_thresholds: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: DEFAULT_TIERS
    )
    baseline_settings: Mapping[str, float] = field(
        default_factory=lambda: dict(evaluate.DEFAULT_BASELINE_SETTINGS)
    )
    top_factors: int = 3

    @classmethod
    def from_json(cls, text: str | None) -> Settings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            seed=int(d.get("seed", base.seed)),
            include_student_characteristics=bool(
                d.get("include_student_characteristics", base.include_student_characteristics)
            ),
            shuffle_training_labels=bool(
                d.get("shuffle_training_labels", base.shuffle_training_labels)
            ),
            tier_thresholds=d.get("tier_thresholds") or base.tier_thresholds,
            baseline_settings={**base.baseline_settings, **d.get("baseline_settings", {})},
            top_factors=int(d.get("top_factors", base.top_factors)),
        )

    @property
    def scoring_feature_set(self) -> str:
        return FEATURE_SETS[1] if self.include_student_characteristics else FEATURE_SETS[0]


def model_id(band: str, outcome: str, decision_point: str, feature_set: str) -> str:
    return f"{band}__{outcome}__{decision_point}__{feature_set}"


def model_rows(feats: pd.DataFrame, band: str, outcome: str, decision_point: str) -> pd.DataFrame:
    """The feature rows a model learns from and scores, in a fixed order."""
    m = (feats["grade_band"] == band) & (feats["decision_point"] == decision_point)
    if outcome == "grade_3_reading":
        m &= feats["grade_level"] <= 2
    return feats[m].sort_values(["school_year", "student_id"], kind="stable").reset_index(drop=True)


def _with_labels(rows: pd.DataFrame, labels: pd.DataFrame, outcome: str) -> pd.DataFrame:
    lab = labels.loc[
        labels["outcome"] == outcome, ["student_id", "school_year", "is_adverse_outcome"]
    ]
    out = rows.merge(lab, how="left", on=["student_id", "school_year"], validate="one_to_one")
    out["y"] = out["is_adverse_outcome"].astype("Float64").astype(float)
    return out


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


def _importance(model: train.FittedModel, x: np.ndarray) -> list[dict[str, object]]:
    contrib = model.contributions(x)
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
    feats: pd.DataFrame, labels: pd.DataFrame, settings: Settings, as_of_date: str
) -> pd.DataFrame:
    """One registry row per band x outcome x decision point x feature set."""
    # One thread, OpenMP and BLAS: boosting with its threads spinning against other
    # processes on a small machine ran ten times slower than one thread (README,
    # benchmarks), and the logistic fits' coefficients differed in their last bits from
    # run to run with two BLAS threads, which changed the models' content hashes.
    with threadpool_limits(limits=1):
        return _train_all(feats, labels, settings, as_of_date)


def _train_all(
    feats: pd.DataFrame, labels: pd.DataFrame, settings: Settings, as_of_date: str
) -> pd.DataFrame:
    feats = _indexed(feats)
    design_all = features.design_frame(feats)
    # which values are on record, before the stand-ins for a missing test level
    known_all = features.design_frame(feats, stand_ins=False).notna()
    rows_out: list[dict[str, object]] = []
    for outcome, bands in features.OUTCOME_BANDS.items():
        for band in bands:
            for dp in features.DECISION_POINTS:
                rows = _with_labels(model_rows(feats, band, outcome, dp), labels, outcome)
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
                        rows, (design_all, known_all), base, feature_set, settings, chosen
                    )
                    if feature_set == FEATURE_SETS[0] and isinstance(result, tuple):
                        chosen = result[1]
                    rows_out.append(result[0] if isinstance(result, tuple) else result)
    return typed.coerce(pd.DataFrame(rows_out), REGISTRY_COLUMNS)


# The tables' schemas (k12ews.ml.schemas), under the names this module has always used.
REGISTRY_COLUMNS = schemas.ML_MODEL_REGISTRY
IMPORTANCE_COLUMNS = schemas.ML_FEATURE_IMPORTANCE
EVALUATION_COLUMNS = schemas.ML_MODEL_EVALUATION
SCORE_COLUMNS = schemas.ML_RISK_SCORES
EXPLANATION_COLUMNS = schemas.ML_RISK_EXPLANATIONS


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
    settings: Settings,
    chosen: train.FittedModel | None,
) -> tuple[dict[str, object], train.FittedModel] | dict[str, object]:
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
    known_tr = _design(rows, known_all, candidate_names)[tr.to_numpy()] > 0
    not_used = _not_informative(x_all[tr.to_numpy()], known_tr, candidate_names)
    keep = [i for i, n in enumerate(candidate_names) if n not in not_used]
    names = [candidate_names[i] for i in keep]
    x_all = x_all[:, keep]
    base = {**base, "features_not_used": _json(not_used)}
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
    if chosen is None:
        model = train.choose_and_calibrate(
            x_tr, y_tr, x_va, y_va, names, settings.seed, pooled_level=pooled
        )
    else:
        est = train.fit_candidate(chosen.candidate, x_tr, y_tr, settings.seed)
        model = train.calibrate(
            chosen.candidate,
            est,
            x_tr,
            x_va,
            y_va,
            names,
            chosen.considered,
            y_train=y_tr if pooled else None,
        )
    x_te, y_te = x_all[te.to_numpy()], y[te.to_numpy()]
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
        "feature_importance": _json(_importance(model, x_te)),
        "shuffled_training_labels": settings.shuffle_training_labels,
        "seed": settings.seed,
        "serialization": "skops",
        "sklearn_version": sklearn.__version__,
        "model_bytes": model_bytes,
    }
    return row, model


@dataclass
class LoadedModel:
    """A registry row's model, deserialised, ready to score and explain."""

    row: Mapping[str, object]
    model: train.FittedModel

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> LoadedModel:
        estimator = registry.load_estimator(bytes(row["model_bytes"]))  # type: ignore[arg-type]
        hyper = json.loads(str(row["hyper_parameters"]))
        name = hyper.pop("candidate")
        explainer = AdditiveExplainer.from_dict(json.loads(str(row["explainer"])))
        model = train.FittedModel(
            candidate=train.Candidate(name, hyper),
            estimator=estimator,
            features=json.loads(str(row["features"])),
            explainer=explainer,
        )
        return cls(row=row, model=model)

    def design(self, rows: pd.DataFrame) -> np.ndarray:
        return features.design_frame(rows)[self.model.features].to_numpy(dtype=float)


def trained(reg: pd.DataFrame) -> pd.DataFrame:
    return reg[reg["status"] == "trained"]


def scoring_point(decision_points: pd.DataFrame, school_year: int) -> tuple[str, bool]:
    """The current year's latest complete decision point (q1, not yet complete, if none)."""
    year = decision_points[decision_points["school_year"] == school_year]
    done = year[year["is_complete"].astype(bool)]
    if done.empty:
        return "q1", False
    return str(done.sort_values("decision_point_order")["decision_point"].iloc[-1]), True


def _current_rows(
    feats: pd.DataFrame, decision_points: pd.DataFrame
) -> tuple[pd.DataFrame, int, str, bool]:
    year = int(feats["school_year"].max())
    dp, complete = scoring_point(decision_points, year)
    rows = feats[(feats["school_year"] == year) & (feats["decision_point"] == dp)]
    return rows, year, dp, complete


def _scored(
    reg: pd.DataFrame, feats: pd.DataFrame, decision_points: pd.DataFrame
) -> list[tuple[LoadedModel, pd.DataFrame, np.ndarray, bool]]:
    if feats.empty:  # no student year on record: nothing to score
        return []
    rows, _, dp, complete = _current_rows(feats, decision_points)
    out = []
    for _, r in trained(reg).iterrows():
        if not r["is_scoring_model"] or r["decision_point"] != dp:
            continue
        loaded = LoadedModel.from_row(r.to_dict())
        sub = model_rows(rows, str(r["grade_band"]), str(r["outcome"]), dp)
        if sub.empty:
            continue
        out.append((loaded, sub, loaded.design(sub), complete))
    return out


def score_current(
    reg: pd.DataFrame, feats: pd.DataFrame, decision_points: pd.DataFrame
) -> pd.DataFrame:
    """Calibrated probability, tier, meaning and rank for the current year's students."""
    parts = []
    for loaded, sub, x, complete in _scored(reg, feats, decision_points):
        r = loaded.row
        logit = loaded.model.calibrated_logit(x)
        p = train.sigmoid(logit)
        thresholds = json.loads(str(r["tier_thresholds"]))
        meanings = json.loads(str(r["tier_meanings"]))
        tiers = evaluate.tier_of(p, thresholds)
        parts.append(
            pd.DataFrame(
                {
                    "student_id": sub["student_id"].to_numpy(),
                    "school_year": sub["school_year"].to_numpy(),
                    "decision_point": sub["decision_point"].to_numpy(),
                    "decision_date": sub["decision_date"].to_numpy(),
                    "is_decision_point_complete": complete,
                    "school_id": sub["school_id"].to_numpy(),
                    "grade_level": sub["grade_level"].to_numpy(),
                    "grade_band": r["grade_band"],
                    "outcome": r["outcome"],
                    "risk_probability": p,
                    "risk_log_odds": logit,
                    "base_log_odds": loaded.model.explainer.calibrated_base_value,
                    "risk_tier": tiers,
                    "tier_meaning": [meanings[t]["meaning"] for t in tiers],
                    "model_id": r["model_id"],
                    "model_version": r["model_version"],
                }
            )
        )
    if not parts:
        return typed.empty(SCORE_COLUMNS)
    scores = pd.concat(parts, ignore_index=True)
    grp = scores.groupby(["outcome", "school_id", "grade_level"], sort=False)["risk_probability"]
    scores["rank_in_school_grade"] = grp.rank(method="min", ascending=False).astype(int)
    scores["students_in_school_grade"] = grp.transform("size").astype(int)
    scores = scores.sort_values(
        ["outcome", "school_id", "grade_level", "rank_in_school_grade", "student_id"]
    )
    return typed.coerce(scores, SCORE_COLUMNS)


def explain_current(
    reg: pd.DataFrame, feats: pd.DataFrame, decision_points: pd.DataFrame, top_factors: int
) -> pd.DataFrame:
    """Every feature's contribution to every current score; sentences in K-12 words."""
    parts = []
    for loaded, sub, x, _ in _scored(reg, feats, decision_points):
        contrib = loaded.model.contributions(x)
        n, p = contrib.shape
        names = loaded.model.features
        frame = pd.DataFrame(
            {
                "student_id": np.repeat(sub["student_id"].to_numpy(), p),
                "school_year": np.repeat(sub["school_year"].to_numpy(), p),
                "outcome": loaded.row["outcome"],
                "model_id": loaded.row["model_id"],
                "model_version": loaded.row["model_version"],
                "feature": np.tile(names, n),
                "feature_group": np.tile([features.feature_group(f) for f in names], n),
                "feature_value": x.reshape(-1),
                "contribution": contrib.reshape(-1),
            }
        )
        frame["direction"] = np.where(
            frame["contribution"] > 0,
            "raises",
            np.where(frame["contribution"] < 0, "lowers", "none"),
        )
        key = ["student_id", "outcome"]
        frame["rank_raising"] = (
            frame["contribution"]
            .where(frame["contribution"] > 0)
            .groupby([frame[k] for k in key])
            .rank(method="first", ascending=False)
        )
        frame["rank_lowering"] = (
            frame["contribution"]
            .where(frame["contribution"] < 0)
            .groupby([frame[k] for k in key])
            .rank(method="first", ascending=True)
        )
        top = (frame["rank_raising"] <= top_factors) | (frame["rank_lowering"] <= top_factors)
        frame["is_top_factor"] = top.to_numpy()
        records = sub.reset_index(drop=True).to_dict("records")
        frame["sentence"] = [
            sentences.describe(f, records[i // p]) for i, f in enumerate(frame["feature"])
        ]
        parts.append(frame)
    if not parts:
        return typed.empty(EXPLANATION_COLUMNS)
    return typed.coerce(pd.concat(parts, ignore_index=True), EXPLANATION_COLUMNS)


def feature_importance(reg: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in trained(reg).iterrows():
        for item in json.loads(str(r["feature_importance"])):
            rows.append(
                {
                    "model_id": r["model_id"],
                    "model_version": r["model_version"],
                    "grade_band": r["grade_band"],
                    "outcome": r["outcome"],
                    "decision_point": r["decision_point"],
                    "feature_set": r["feature_set"],
                    **item,
                }
            )
    return typed.coerce(pd.DataFrame(rows), IMPORTANCE_COLUMNS)


GROUPS = {
    "race_ethnicity": "race_ethnicity_reporting_group",
    "free_reduced_lunch": "is_economically_disadvantaged",
    "english_learner": "is_english_learner",
    "iep": "has_iep",
    "sex": "sex",
}


def test_predictions(
    row: Mapping[str, object], feats: pd.DataFrame, labels: pd.DataFrame
) -> pd.DataFrame:
    """The out-of-time cohort of a registry model, with outcome and calibrated score."""
    loaded = LoadedModel.from_row(row)
    outcome, band, dp = str(row["outcome"]), str(row["grade_band"]), str(row["decision_point"])
    rows = _with_labels(model_rows(feats, band, outcome, dp), labels, outcome)
    years = str(row["test_school_years"])
    lo, _, hi = years.partition("-")
    test = rows[rows["y"].notna() & rows["school_year"].between(int(lo), int(hi or lo))]
    test = test.reset_index(drop=True)
    test["risk_probability"] = loaded.model.predict_proba(loaded.design(test))
    return test


def evaluate_registry(
    reg: pd.DataFrame, feats: pd.DataFrame, labels: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Model, baselines and student groups on each model's out-of-time cohort."""
    out = []
    for _, r in trained(reg).iterrows():
        row = r.to_dict()
        test = test_predictions(row, feats, labels)
        thresholds = json.loads(str(row["tier_thresholds"]))
        test["is_flagged"] = (
            evaluate.tier_of(test["risk_probability"].to_numpy(), thresholds) == "High"
        )
        base = {
            "model_id": row["model_id"],
            "model_version": row["model_version"],
            "grade_band": row["grade_band"],
            "outcome": row["outcome"],
            "decision_point": row["decision_point"],
            "feature_set": row["feature_set"],
            "is_scoring_model": row["is_scoring_model"],
            "test_school_years": row["test_school_years"],
        }
        baselines = evaluate.baseline_scores(test, settings.baseline_settings)
        slices = [("all grades", np.ones(len(test), dtype=bool))]
        for g in sorted(test["grade_level"].unique()):
            slices.append((f"grade {int(g)}", (test["grade_level"] == g).to_numpy()))
        for slice_name, m in slices:
            y = test["y"].to_numpy()[m]
            p = test["risk_probability"].to_numpy()[m]
            flag = test["is_flagged"].to_numpy()[m]
            out.append(
                {
                    **base,
                    "evaluation_slice": slice_name,
                    "method": "model",
                    "group_type": "all students",
                    "group_value": "all",
                    **evaluate.score_metrics(y, p, probability=True),
                    **evaluate.flag_metrics(y, flag),
                    "model_roc_auc_same_students": float("nan"),
                    "model_precision_at_top_10pct_same_students": float("nan"),
                }
            )
            for name, score in baselines.items():
                s = score.to_numpy()[m]
                d = ~np.isnan(s)
                if d.sum() == 0 or len(np.unique(y[d])) < 2:
                    continue
                flag_b = (
                    s[d] >= 1
                    if name in evaluate.BINARY_BASELINES | {"balfanz_abc"}
                    else (evaluate.metrics.top_share_flags(s[d], 0.10))
                )
                out.append(
                    {
                        **base,
                        "evaluation_slice": slice_name,
                        "method": f"baseline: {name}",
                        "group_type": "all students",
                        "group_value": "all",
                        **evaluate.score_metrics(y[d], s[d], probability=False),
                        **evaluate.flag_metrics(y[d], flag_b),
                        "model_roc_auc_same_students": evaluate.metrics.roc_auc(y[d], p[d]),
                        "model_precision_at_top_10pct_same_students": (
                            evaluate.metrics.precision_recall_at_top(y[d], p[d], 0.10)[0]
                        ),
                    }
                )
        for group_type, col in GROUPS.items():
            values = test[col].astype("string").fillna("missing")
            for value in sorted(values.unique()):
                m = (values == value).to_numpy()
                y = test["y"].to_numpy()[m]
                p = test["risk_probability"].to_numpy()[m]
                out.append(
                    {
                        **base,
                        "evaluation_slice": "all grades",
                        "method": "model",
                        "group_type": group_type,
                        "group_value": str(value),
                        **evaluate.score_metrics(y, p, probability=True),
                        **evaluate.flag_metrics(y, test["is_flagged"].to_numpy()[m]),
                        "model_roc_auc_same_students": float("nan"),
                        "model_precision_at_top_10pct_same_students": float("nan"),
                    }
                )
    return typed.coerce(pd.DataFrame(out), EVALUATION_COLUMNS)
