"""Fidelity: how alike the twin's columns and column pairs are to the district's, scored
as SDMetrics scores them (its single-table metrics, computed here because sdmetrics
requires pandas<3; docs/twin.md):

- ``KSComplement`` (numeric column): 1 - the Kolmogorov-Smirnov statistic of the two
  empirical distributions;
- ``TVComplement`` (categorical column): 1 - total variation distance of the category
  shares;
- ``CorrelationSimilarity`` (numeric pair): 1 - |r_real - r_synth| / 2 (Pearson);
- ``ContingencySimilarity`` (categorical pair): 1 - total variation distance of the two
  joint category shares.

Every score is in [0, 1], 1 for identical distributions. Missing values are a category
of their own for categorical columns and left out of numeric ones (SDMetrics does the
same by default).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

MISSING = "(missing)"


def ks_complement(real: pd.Series, synth: pd.Series) -> float:
    r = np.sort(pd.to_numeric(real, errors="coerce").dropna().to_numpy(dtype=float))
    s = np.sort(pd.to_numeric(synth, errors="coerce").dropna().to_numpy(dtype=float))
    if len(r) == 0 or len(s) == 0:
        return float("nan")
    grid = np.union1d(r, s)
    cdf_r = np.searchsorted(r, grid, side="right") / len(r)
    cdf_s = np.searchsorted(s, grid, side="right") / len(s)
    return float(1 - np.max(np.abs(cdf_r - cdf_s)))


def _shares(*cols: pd.Series) -> pd.Series:
    frame = pd.concat(
        [c.astype(object).where(c.notna(), MISSING).astype(str) for c in cols], axis=1
    )
    return frame.value_counts(normalize=True)


def tv_complement(real: pd.Series, synth: pd.Series) -> float:
    return _tv(_shares(real.reset_index(drop=True)), _shares(synth.reset_index(drop=True)))


def _tv(a: pd.Series, b: pd.Series) -> float:
    idx = a.index.union(b.index)
    diff = a.reindex(idx, fill_value=0) - b.reindex(idx, fill_value=0)
    return float(1 - 0.5 * np.abs(diff.to_numpy(dtype=float)).sum())


def correlation_similarity(real: pd.DataFrame, synth: pd.DataFrame, a: str, b: str) -> float:
    def r(df: pd.DataFrame) -> float:
        d = df[[a, b]].apply(pd.to_numeric, errors="coerce").dropna()
        if len(d) < 3 or d[a].std() == 0 or d[b].std() == 0:
            return float("nan")
        return float(np.corrcoef(d[a], d[b])[0, 1])

    return float(1 - abs(r(real) - r(synth)) / 2)


def contingency_similarity(real: pd.DataFrame, synth: pd.DataFrame, a: str, b: str) -> float:
    return _tv(
        _shares(real[a].reset_index(drop=True), real[b].reset_index(drop=True)),
        _shares(synth[a].reset_index(drop=True), synth[b].reset_index(drop=True)),
    )


def column_scores(
    real: pd.DataFrame, synth: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    rows = [
        {"column": c, "metric": "KSComplement", "score": ks_complement(real[c], synth[c])}
        for c in numeric
    ] + [
        {"column": c, "metric": "TVComplement", "score": tv_complement(real[c], synth[c])}
        for c in categorical
    ]
    return pd.DataFrame(rows)


def pair_scores(
    real: pd.DataFrame, synth: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    rows = [
        {
            "column_a": a,
            "column_b": b,
            "metric": "CorrelationSimilarity",
            "score": correlation_similarity(real, synth, a, b),
        }
        for a, b in itertools.combinations(numeric, 2)
    ] + [
        {
            "column_a": a,
            "column_b": b,
            "metric": "ContingencySimilarity",
            "score": contingency_similarity(real, synth, a, b),
        }
        for a, b in itertools.combinations(categorical, 2)
    ]
    return pd.DataFrame(rows)


def summary(columns: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, float]:
    """Mean column shape and mean pair trend, as SDMetrics' quality report averages them."""
    return {
        "column_shapes": float(columns["score"].mean()),
        "column_pair_trends": float(pairs["score"].mean()),
    }
