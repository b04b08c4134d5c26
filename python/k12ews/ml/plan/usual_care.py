"""How likely a school is to start a service for a student anyway, without the plan.

The effects in ``ml_intervention_effects`` compare starting a service in a quarter with
not starting it then, under usual care. A place in the plan changes nothing for a
student the school would have started on the same service that quarter anyway, so the
plan counts only the rest: the benefit a place adds is ``benefit x (1 - p)``, where
``p`` is the chance of starting anyway (docs/intervention_plan.md).

``p`` is learned from the district's own past decisions: the risk sets of the effect
estimates (``ml_service_risk_sets``: every student who could have started the service
in a quarter, and whether they did) beside what the school knew at the decision point
before that quarter (``ml_features`` at the previous decision point: the end of the
previous year for quarter 1, the end of the previous quarter otherwise). One logistic
regression per service and grade band of the starting grade, on the risk models' own
indicators (``k12ews.ml.risk.features.ACTIONABLE``: attendance, marks, credits, behaviour,
mobility, state tests, retention history and earlier years' services; standardised, with
a flag for a missing value), the start quarter and the starting grade (a term each),
fitted on every student who started and a seeded sample of the others
(``CONTROLS_PER_START`` a start, weighted back up).
Only risk sets that began before the planned start are used: a plan never learns from
what happened after its own decision.

Two of the risk models' indicators are left out: ``service_spells_this_year_to_date`` and
``highest_mtss_tier_this_year_to_date``. A decision point's date is the latest quarter end
of the district's calendars, so at a school whose quarter begins a few days earlier a
service started on that quarter's first day is already counted in them: the start being
predicted would be among its own inputs. ``service_spells_before_this_year`` (services
of earlier years) stays. The grade is the one the service would start in (the risk
set's grade; a grade up after the end of the year), in training and in prediction alike.
A value missing where training had none stands at the training mean.

What it does not know: who has room on a caseload next term (in the synthetic district a
school's capacity is a fresh draw each year; in a real one it may persist, and a school
indicator would then belong in the model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from k12ews.ml.risk import features

KEYS = ["student_id", "school_year", "decision_point"]
RISK_SET_COLUMNS = [
    "student_id",
    "school_year",
    "start_quarter",
    "service",
    "grade_level",
    "grade_band",
    "is_treated",
]
# dated by the latest calendar, they can count the very start being predicted (docstring)
LEAKY = ("service_spells_this_year_to_date", "highest_mtss_tier_this_year_to_date")
INDICATORS = [f for f in features.ACTIONABLE if f not in LEAKY]
QUARTERS = (1, 2, 3, 4)
MIN_STARTS = 30  # fewer starts than this in a service x band: its overall start rate
CONTROLS_PER_START = 10.0
MIN_CONTROLS = 5000
SEED = 20240901


def previous_point(school_year: pd.Series, start_quarter: pd.Series) -> pd.DataFrame:
    """The decision point before a quarter's start: quarter 1 -> the end of the previous
    school year, quarter q -> the end of quarter q - 1 of the same year."""
    q = start_quarter.astype(int)
    return pd.DataFrame(
        {
            "school_year": np.where(q == 1, school_year.astype(int) - 1, school_year.astype(int)),
            "decision_point": np.where(q == 1, "eoy", "q" + (q - 1).clip(lower=1).astype(str)),
        },
        index=school_year.index,
    )


@dataclass(frozen=True)
class _Basis:
    """How a ``design_frame`` becomes the regression's matrix (fixed at fitting)."""

    flagged: tuple[str, ...]  # columns with missing values in training: a flag each
    fill: np.ndarray  # a missing value stands at the training mean
    grades: tuple[int, ...]  # an indicator for each grade of training but the first
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, design: pd.DataFrame, start_quarter: np.ndarray) -> _Basis:
        flagged = tuple(c for c in INDICATORS if design[c].isna().any())
        values = design[INDICATORS].to_numpy(dtype=float)
        present = ~np.isnan(values)
        counts = present.sum(axis=0)
        fill = np.where(present, values, 0.0).sum(axis=0) / np.maximum(counts, 1)
        seen = design["grade_level"].dropna().astype(int)
        grades = tuple(sorted(set(seen)))[1:]
        raw = _raw(design, start_quarter, flagged, fill, grades)
        scale = raw.std(axis=0)
        return cls(
            flagged=flagged,
            fill=fill,
            grades=grades,
            mean=raw.mean(axis=0),
            scale=np.where(scale > 0, scale, 1.0),
        )

    def matrix(self, design: pd.DataFrame, start_quarter: np.ndarray) -> np.ndarray:
        raw = _raw(design, start_quarter, self.flagged, self.fill, self.grades)
        return (raw - self.mean) / self.scale


def _raw(
    design: pd.DataFrame,
    start_quarter: np.ndarray,
    flagged: tuple[str, ...],
    fill: np.ndarray,
    grades: tuple[int, ...],
) -> np.ndarray:
    values = design[INDICATORS].to_numpy(dtype=float)
    values = np.where(np.isnan(values), fill, values)
    missing = design[list(flagged)].isna().to_numpy(dtype=float)
    quarters = np.column_stack([(start_quarter == q).astype(float) for q in QUARTERS[1:]])
    # schools favour some grades (mentoring at the move to high school): one term a grade
    grade = design["grade_level"].to_numpy(dtype=float)
    by_grade = np.column_stack([(grade == g).astype(float) for g in grades] or [grade * 0])
    return np.column_stack([values, missing, quarters, by_grade])


@dataclass(frozen=True)
class UsualCareModel:
    """Fitted chance of starting each service anyway, by service and starting band."""

    fits: dict[tuple[str, str], tuple[_Basis, LogisticRegression] | float]

    def predict(self, rows: pd.DataFrame, feats: pd.DataFrame) -> np.ndarray:
        """``rows``: student_id, school_year, decision_point (of the features read),
        service, start_quarter, start_grade, start_grade_band. Unknown service x band:
        NaN."""
        out = np.full(len(rows), np.nan)
        if rows.empty:
            return out
        r = rows.reset_index(drop=True)
        f = r[KEYS].merge(feats, how="left", on=KEYS, validate="m:1")
        # the grade the service would start in, as the risk sets' grade in training
        f["grade_level"] = r["start_grade"].to_numpy()
        design = features.design_frame(f)
        for (service, band), fit in self.fits.items():
            m = ((r["service"] == service) & (r["start_grade_band"] == band)).to_numpy()
            if not m.any():
                continue
            if isinstance(fit, float):
                out[m] = fit
                continue
            basis, model = fit
            x = basis.matrix(design.loc[m], r.loc[m, "start_quarter"].to_numpy(dtype=int))
            out[m] = model.predict_proba(x)[:, 1]
        return out


def training_rows(
    risk_sets: pd.DataFrame, feats: pd.DataFrame, cells: set[tuple[str, str]]
) -> pd.DataFrame:
    """The risk-set rows of the service x band ``cells``, each with what the school knew
    at the decision point before its quarter began (``ml_features`` at ``previous_point``;
    the risk set's own grade, the grade the service starts in)."""
    # in key order: the controls sampled in ``fit`` are picked by position, so the same
    # risk sets in another physical order (another build) must give the same rows
    rs = risk_sets[RISK_SET_COLUMNS].sort_values(
        ["student_id", "school_year", "start_quarter", "service"], kind="stable"
    )
    pairs = pd.MultiIndex.from_tuples(sorted(cells), names=["service", "grade_band"])
    rs = rs[pd.MultiIndex.from_frame(rs[["service", "grade_band"]]).isin(pairs)]
    rs = rs.reset_index(drop=True)
    prev = previous_point(rs["school_year"], rs["start_quarter"])
    rs = rs.assign(
        feature_year=prev["school_year"].to_numpy(),
        decision_point=prev["decision_point"].to_numpy(),
    )
    return rs.merge(
        feats.rename(columns={"school_year": "feature_year"}).drop(
            columns=["grade_level", "grade_band"], errors="ignore"
        ),
        how="inner",
        on=["student_id", "feature_year", "decision_point"],
        validate="m:1",
    )


def fit(rows: pd.DataFrame, seed: int = SEED) -> UsualCareModel:
    """One model per service x band of the ``training_rows`` given."""
    fits: dict[tuple[str, str], tuple[_Basis, LogisticRegression] | float] = {}
    for (service, band), g in rows.groupby(["service", "grade_band"], sort=True):
        treated = g["is_treated"].astype(bool).to_numpy()
        n_t, n_c = int(treated.sum()), int((~treated).sum())
        if n_t < MIN_STARTS or n_c < MIN_STARTS:
            fits[(str(service), str(band))] = n_t / max(n_t + n_c, 1)
            continue
        keep_c = min(n_c, max(MIN_CONTROLS, int(CONTROLS_PER_START * n_t)))
        # each cell's own stream: its sample does not depend on which other cells are fitted
        rng = np.random.default_rng([seed, *f"{service}|{band}".encode()])
        controls = np.flatnonzero(~treated)
        picked = np.sort(rng.choice(controls, size=keep_c, replace=False))
        idx = np.concatenate([np.flatnonzero(treated), picked])
        weight = np.where(treated[idx], 1.0, n_c / keep_c)
        sub = g.iloc[idx]
        design = features.design_frame(sub)
        quarter = sub["start_quarter"].to_numpy(dtype=int)
        basis = _Basis.fit(design, quarter)
        model = LogisticRegression(C=1.0, max_iter=2000)
        with threadpool_limits(limits=1):
            model.fit(basis.matrix(design, quarter), treated[idx].astype(int), sample_weight=weight)
        fits[(str(service), str(band))] = (basis, model)
    return UsualCareModel(fits)


def chance_started_anyway(
    candidates: pd.DataFrame, risk_sets: pd.DataFrame, feats: pd.DataFrame
) -> np.ndarray:
    """For each candidate (student_id, school_year, decision_point, service,
    start_school_year, start_quarter, start_grade, start_grade_band), the chance the
    school starts the service for the student in that quarter anyway, from a model fitted
    on the quarters that began before it (one model per distinct start year and quarter)."""
    out = np.full(len(candidates), np.nan)
    if candidates.empty or risk_sets.empty:
        return out
    c = candidates.reset_index(drop=True)
    cell = c["service"].astype(str) + "|" + c["start_grade_band"].astype(str)
    # the features are joined to the risk sets once; each start fits on its earlier rows
    cells = set(zip(c["service"].astype(str), c["start_grade_band"].astype(str), strict=True))
    rows = training_rows(risk_sets, feats, cells)
    for (year, quarter), g in c.groupby(["start_school_year", "start_quarter"], sort=True):
        # quarters that began before this start: earlier years, and this year's earlier ones
        before = (rows["school_year"] < int(year)) | (
            (rows["school_year"] == int(year)) & (rows["start_quarter"] < int(quarter))
        )
        in_cells = (rows["service"] + "|" + rows["grade_band"]).isin(set(cell[g.index]))
        out[g.index.to_numpy()] = fit(rows[before & in_cells]).predict(g, feats)
    return out
