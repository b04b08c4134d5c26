"""The ml_intervention_effects table (``intervention_effects``, grain cell_id): per
service x outcome x grade band x start quarter the fitted cell, per start grade x
quarter within each, and per band pooled over its fitted quarters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from k12ews.ml import schemas, typed
from k12ews.ml.effects import logistic
from k12ews.ml.effects.aipw import fit_cell, outside_treated_support
from k12ews.ml.effects.balance import BalanceStats, grouped_balance_stats
from k12ews.ml.effects.design import OUTCOME_GRADES, SPLINE_COLUMNS
from k12ews.ml.effects.estimates import Estimate, estimate
from k12ews.ml.effects.settings import EffectSettings
from k12ews.ml.effects.units import Cell, RiskSetArrays
from k12ews.ml.effects.words import sentence
from k12ews.ml.vocabulary import BAND_GRADES

QUARTERS = (1, 2, 3, 4)
CELL_LEVELS = ("grade_band_quarter", "grade_quarter", "grade_band_all_quarters")

# the table's columns, in order (schema: k12ews.ml.schemas.ML_INTERVENTION_EFFECTS)
OUTPUT_COLUMNS = list(schemas.ML_INTERVENTION_EFFECTS)
_ESTIMATE_FIELDS = [
    c for c in OUTPUT_COLUMNS if c in Estimate.__dataclass_fields__ and c != "n_units"
]


def years_text(years: np.ndarray | Iterable[int]) -> str | None:
    """2017-2021, 2023 (runs of consecutive years)."""
    ys = [int(y) for y in np.unique(np.fromiter(years, dtype=np.int64))]
    if not ys:
        return None
    runs: list[str] = []
    start = prev = ys[0]
    for y in ys[1:]:
        if y != prev + 1:
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = y
        prev = y
    runs.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(runs)


def _sum_stats(stats: list[BalanceStats | None]) -> BalanceStats | None:
    total: BalanceStats | None = None
    for st in stats:
        if st is None:
            return None
        total = st if total is None else total + st
    return total


def _row(
    data: RiskSetArrays,
    cell_level: str,
    key: tuple[str, str, str],
    start_grade: int | None,
    start_quarter: int | None,
    parts: list[tuple[Cell, np.ndarray]],
    reason: str | None,
    settings: EffectSettings,
    description: str,
) -> dict[str, object]:
    """One output row from subsets (a mask per cell) of one or more cells."""
    service, outcome, band = key
    rows = np.concatenate([c.rows[m] for c, m in parts]) if parts else np.empty(0, dtype=int)
    y = np.concatenate([c.y[m] for c, m in parts]) if parts else np.empty(0)
    t = data.treated[rows]
    n_t, n_c = int(t.sum()), int((~t).sum())
    fits = [(c.fit, c.stats(start_grade), m) for c, m in parts if c.fit is not None]
    if reason is None and n_t < settings.min_treated:
        reason = f"fewer than {settings.min_treated} students started it ({n_t})"
    if reason is None and n_c < settings.min_controls:
        reason = f"fewer than {settings.min_controls} students did not start it ({n_c})"
    if reason is None and len(fits) < len(parts):
        reason = "its grade band and quarter were too small to fit"
    est = None
    if reason is None:
        est = estimate(
            t,
            y,
            np.concatenate([f.propensity[m] for f, _, m in fits]),
            np.concatenate([f.m0[m] for f, _, m in fits]),
            np.concatenate([f.is_clipped[m] for f, _, m in fits]),
            data.student[rows],
            _sum_stats([b for _, b, _ in fits]),
        )
    grade_key = "all" if start_grade is None else str(start_grade)
    quarter_key = "all" if start_quarter is None else f"q{start_quarter}"
    row: dict[str, object] = {
        "cell_id": f"{service}|{outcome}|{band}|{grade_key}|{quarter_key}",
        "cell_level": cell_level,
        "service": service,
        "service_description": description,
        "outcome": outcome,
        "grade_band": band,
        "start_grade": start_grade,
        "start_quarter": start_quarter,
        "school_years": years_text(data.school_year[rows]),
        "n_units": len(rows),
        "n_treated": n_t,
        "n_controls": n_c,
        "n_students": int(np.count_nonzero(np.bincount(data.student[rows]))) if len(rows) else 0,
        "treated_adverse_rate": float(y[t].mean()) if n_t else None,
        "control_adverse_rate": float(y[~t].mean()) if n_c else None,
        "fitted_units": sum(f.fitted_units for f, _, _ in fits)
        if cell_level != "grade_quarter" and fits
        else None,
        "propensity_clip": settings.propensity_clip,
        "controls_outside_support": int(
            sum(
                int(f.outside_support[m].sum()) for f, _, m in fits if f.outside_support is not None
            )
        )
        if est is not None
        else None,
        "is_estimated": est is not None,
        "reason": reason,
    }
    if est is not None:
        row.update({k: getattr(est, k) for k in _ESTIMATE_FIELDS})
    row["sentence"] = sentence(
        description.lower(), outcome, band, start_grade, start_quarter, est, reason
    )
    return row


def _band_rows(
    data: RiskSetArrays,
    band: str,
    cells: Mapping[tuple[str, str, int], Cell],
    settings: EffectSettings,
    descriptions: Mapping[str, str],
) -> list[dict[str, object]]:
    """The output rows of one grade band: per service x outcome, each quarter's row, its
    grades' rows, and the row pooled over the fitted quarters."""
    rows: list[dict[str, object]] = []
    for service, outcome in sorted({(s, o) for s, o, _ in cells}):
        key = (service, outcome, band)
        description = descriptions.get(service, service.lower())
        quarter_cells = [
            (q, cells[(service, outcome, q)]) for q in QUARTERS if (service, outcome, q) in cells
        ]
        for q, cell in quarter_cells:
            everything = np.ones(len(cell.rows), dtype=bool)
            rows.append(
                _row(
                    data,
                    "grade_band_quarter",
                    key,
                    None,
                    q,
                    [(cell, everything)],
                    None,
                    settings,
                    description,
                )
            )
            grades = data.grade[cell.rows]
            for g in np.unique(grades):
                rows.append(
                    _row(
                        data,
                        "grade_quarter",
                        key,
                        int(g),
                        q,
                        [(cell, grades == g)],
                        None,
                        settings,
                        description,
                    )
                )
        fitted = [
            (c, np.ones(len(c.rows), dtype=bool)) for _, c in quarter_cells if c.fit is not None
        ]
        everything_parts = [(c, np.ones(len(c.rows), dtype=bool)) for _, c in quarter_cells]
        rows.append(
            _row(
                data,
                "grade_band_all_quarters",
                key,
                None,
                None,
                fitted or everything_parts,
                None if fitted else "no quarter was large enough to fit",
                settings,
                description,
            )
        )
    return rows


def intervention_effects(
    risk_sets: pd.DataFrame,
    labels: pd.DataFrame,
    last_complete_school_year: int | None,
    settings: EffectSettings | None = None,
    service_descriptions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The ml_intervention_effects table (grain cell_id): per service x outcome x grade
    band x start quarter (the fitted cells), per start grade x quarter within each, and
    per band pooled over its fitted quarters.

    ``risk_sets``: ml_service_risk_sets; ``labels``: ml_labels; ``last_complete_school_year``:
    the latest school year whose end is on or before the as-of date."""
    settings = settings or EffectSettings()
    descriptions = dict(service_descriptions or {})
    if risk_sets.empty:
        return typed.empty(schemas.ML_INTERVENTION_EFFECTS)
    data = RiskSetArrays(risk_sets, labels, last_complete_school_year, settings)
    index = (
        pd.DataFrame({"band": data.band, "quarter": data.quarter, "service": data.service})
        .groupby(["band", "quarter", "service"], sort=True)
        .indices
    )
    out: list[dict[str, object]] = []
    # one BLAS thread: the models are many and small, and the machine is shared
    with threadpool_limits(1):
        for band, (b_lo, b_hi) in BAND_GRADES.items():
            cells: dict[tuple[str, str, int], Cell] = {}
            for q in QUARTERS:
                for service in sorted({s for b, qq, s in index if b == band and qq == q}):
                    idx = index[(band, q, service)]
                    # the outcomes' models share the basis: each starts from the last's
                    start: tuple[logistic.LogisticFit | None, logistic.LogisticFit | None]
                    start = (None, None)
                    for outcome, (o_lo, o_hi) in OUTCOME_GRADES.items():
                        if max(o_lo, b_lo) > min(o_hi, b_hi):
                            continue
                        y_all = data.outcomes[outcome][idx]
                        keep = ~np.isnan(y_all)
                        if not keep.any():
                            continue
                        cell = Cell(idx[keep], y_all[keep])
                        t = data.treated[cell.rows]
                        n_t = int(t.sum())
                        if n_t >= settings.min_treated and len(t) - n_t >= settings.min_controls:
                            design, balance = data.matrices(cell.rows)
                            cell.fit = fit_cell(
                                design,
                                data.school_year_group[cell.rows],
                                t,
                                cell.y,
                                data.fold[cell.rows],
                                data.draws[cell.rows],
                                settings,
                                data.n_groups,
                                start,
                                outside_treated_support(
                                    {
                                        c: data.sq_conf[c][data.sq[cell.rows]]
                                        for c in SPLINE_COLUMNS
                                    },
                                    t,
                                ),
                            )
                            start = cell.fit.last_models
                            grades, grade_codes = np.unique(
                                data.grade[cell.rows], return_inverse=True
                            )
                            fit = cell.fit
                            w = fit.propensity / (1.0 - fit.propensity)
                            stats = grouped_balance_stats(
                                balance, t, w[~t], grade_codes, len(grades)
                            )
                            cell.grade_stats = dict(zip(grades.tolist(), stats, strict=True))
                        cells[(service, outcome, q)] = cell
            out += _band_rows(data, band, cells, settings, descriptions)
            data.release(band)
    table = pd.DataFrame(out, columns=OUTPUT_COLUMNS)
    order = pd.DataFrame(
        {
            "service": table["service"],
            "outcome": table["outcome"].map({o: i for i, o in enumerate(OUTCOME_GRADES)}),
            "band": table["grade_band"].map({b: i for i, b in enumerate(BAND_GRADES)}),
            "quarter": table["start_quarter"].fillna(9),
            "level": table["cell_level"].map({c: i for i, c in enumerate(CELL_LEVELS)}),
            "grade": table["start_grade"].fillna(-1),
        }
    )
    table = table.iloc[order.sort_values(list(order.columns), kind="mergesort").index]
    return typed.coerce(table, schemas.ML_INTERVENTION_EFFECTS)
