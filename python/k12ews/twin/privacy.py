"""Privacy figures of a twin's student-years against the district's (docs/twin.md says
what they do and do not promise; none is a differential privacy guarantee):

- ``exact_copies``: synthetic rows equal to a real row in every compared column (the
  learned twin redraws such rows before it is written, ``redraw_copies``), beside
  ``holdout_exact_copies``, the holdout's real rows equal to a member's (what chance
  alone gives: common rows such as no absence, failure or incident);
- distance to closest record (DCR): each synthetic row's distance to its nearest real
  row, on columns scaled to [0, 1] (a missing value is its own coordinate);
- ``nearer_than_real``: the share of synthetic rows nearer their closest real row than
  that real row is to its own nearest real neighbour, beside the same share for a
  holdout of real rows that the twin did not learn from (the share a twin that had only
  learnt the distribution would get);
- ``membership_advantage``: an attacker who calls a real row a member (learnt from) when
  some synthetic row is nearer than a threshold; the threshold is chosen on one half of
  members and holdout and the advantage (true positive rate - false positive rate)
  measured on the other half, so it is not inflated by the choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors


def encode(
    frames: list[pd.DataFrame], numeric: list[str], categorical: list[str]
) -> list[np.ndarray]:
    """The frames as points: numeric columns scaled to [0, 1] on their joint range, with
    a missing flag each; categorical columns one-hot (missing a category of its own)."""
    both = pd.concat(frames, keys=range(len(frames)))
    parts = []
    for c in numeric:
        v = pd.to_numeric(both[c], errors="coerce").astype(float)
        lo, hi = v.min(), v.max()
        span = hi - lo if hi > lo else 1.0
        parts.append(((v - lo) / span).fillna(0.0).to_numpy())
        parts.append(v.isna().to_numpy(dtype=float))
    for c in categorical:
        dummies = pd.get_dummies(both[c].astype(object).fillna("(missing)").astype(str))
        parts.extend(dummies.to_numpy(dtype=float).T)
    x = np.column_stack(parts) if parts else np.zeros((len(both), 0))
    sizes = np.cumsum([0] + [len(f) for f in frames])
    return [x[sizes[i] : sizes[i + 1]] for i in range(len(frames))]


def copy_mask(real: pd.DataFrame, synth: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Which synthetic rows are identical to some real row in every column (missing
    equals missing; rows compared by a 64-bit hash of their values)."""

    def keys(df: pd.DataFrame) -> pd.Series:
        frame = df[columns].reset_index(drop=True).astype(object)
        return pd.util.hash_pandas_object(frame.where(frame.notna(), None), index=False)

    return keys(synth).isin(set(keys(real))).to_numpy()


def exact_copies(real: pd.DataFrame, synth: pd.DataFrame, columns: list[str]) -> int:
    """Synthetic rows identical to some real row in every column (``copy_mask``)."""
    return int(copy_mask(real, synth, columns).sum())


@dataclass(frozen=True)
class Redrawn:
    frame: pd.DataFrame  # the synthetic rows, none a copy of a real one
    copies_found: int  # synthetic rows equal to a real one as first drawn
    rows_redrawn: int  # draws made to replace them, over all rounds
    rounds: int


def redraw_copies(
    real: pd.DataFrame,
    synth: pd.DataFrame,
    columns: list[str],
    draw: Callable[[int, int], pd.DataFrame],
    max_rounds: int = 20,
) -> Redrawn:
    """``synth`` with every row that equals a real row (``copy_mask`` on ``columns``)
    replaced, in place, by a fresh row from the same model: ``draw(n, round)`` returns
    ``n`` new rows with ``synth``'s columns (``round`` counts from 1, for its seed).
    Redrawn rows are checked again; a ``ValueError`` if some are still copies after
    ``max_rounds`` rounds."""
    out = synth.reset_index(drop=True).copy()
    found = redrawn = 0
    for rnd in range(max_rounds + 1):
        mask = copy_mask(real, out, columns)
        n = int(mask.sum())
        if rnd == 0:
            found = n
        if n == 0:
            return Redrawn(out, found, redrawn, rnd)
        if rnd == max_rounds:
            break
        fresh = draw(n, rnd + 1).reset_index(drop=True)
        if len(fresh) != n:
            raise ValueError(f"a redraw of {n} rows returned {len(fresh)}")
        for c in out.columns:
            col = out[c].copy()
            col[mask] = fresh[c].to_numpy()
            out[c] = col
        redrawn += n
    raise ValueError(
        f"{n} of {len(out):,} synthetic rows still equal a real row in every compared column "
        f"({', '.join(columns)}) after {max_rounds} rounds of redrawing them: the model "
        "puts too much of its mass on real rows"
    )


def nearest(
    ref: np.ndarray, query: np.ndarray, skip_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of each query row's nearest ``ref`` row (the second nearest
    when the query is ``ref`` itself)."""
    k = 2 if skip_self else 1
    nn = NearestNeighbors(n_neighbors=k).fit(ref)
    d, i = nn.kneighbors(query)
    return d[:, k - 1], i[:, k - 1]


@dataclass(frozen=True)
class PrivacyFigures:
    rows_synthetic: int
    exact_copies: int
    holdout_exact_copies: int
    dcr_median: float
    dcr_5th_percentile: float
    holdout_dcr_median: float
    nearer_than_real: float
    holdout_nearer_than_real: float
    membership_advantage: float

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"figure": k, "value": float(v)} for k, v in self.__dict__.items()])


def _nearer_share(train: np.ndarray, query: np.ndarray, train_nn: np.ndarray) -> float:
    d, i = nearest(train, query)
    return float(np.mean(d < train_nn[i]))


def membership_advantage(member_dcr: np.ndarray, holdout_dcr: np.ndarray, seed: int = 0) -> float:
    """Best-threshold advantage of "member if nearer than t", chosen on one half and
    measured on the other."""
    rng = np.random.default_rng(seed)
    m_half = rng.random(len(member_dcr)) < 0.5
    h_half = rng.random(len(holdout_dcr)) < 0.5

    def adv(m: np.ndarray, h: np.ndarray, t: float) -> float:
        return float(np.mean(m <= t) - np.mean(h <= t))

    cand = np.unique(np.concatenate([member_dcr[m_half], holdout_dcr[h_half]]))
    if len(cand) > 2000:
        cand = np.quantile(cand, np.linspace(0, 1, 2001))
    best = max(cand, key=lambda t: adv(member_dcr[m_half], holdout_dcr[h_half], t))
    return adv(member_dcr[~m_half], holdout_dcr[~h_half], best)


def privacy_figures(
    members: pd.DataFrame,
    holdout: pd.DataFrame,
    synth: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    max_rows: int = 20_000,
    seed: int = 0,
) -> PrivacyFigures:
    """The figures for a twin learnt from ``members`` (real rows), ``holdout`` being real
    rows it never saw. Large frames are sampled to ``max_rows`` each."""
    cols = numeric + categorical
    copies = exact_copies(pd.concat([members, holdout]), synth, cols)
    # the baseline: real rows of the holdout equal to a member's (common profiles, e.g.
    # no absence, no failure, no incident, that many real students share)
    holdout_copies = exact_copies(members, holdout, cols)

    def cap(df: pd.DataFrame) -> pd.DataFrame:
        return df.sample(max_rows, random_state=seed) if len(df) > max_rows else df

    m, h, s = (cap(d).reset_index(drop=True) for d in (members, holdout, synth))
    xm, xh, xs = encode([m, h, s], numeric, categorical)
    m_nn, _ = nearest(xm, xm, skip_self=True)
    dcr, _ = nearest(xm, xs)
    hold_dcr, _ = nearest(xm, xh)
    # attack: a real row's distance to the nearest synthetic row
    member_to_synth, _ = nearest(xs, xm)
    holdout_to_synth, _ = nearest(xs, xh)
    return PrivacyFigures(
        rows_synthetic=len(synth),
        exact_copies=copies,
        holdout_exact_copies=holdout_copies,
        dcr_median=float(np.median(dcr)),
        dcr_5th_percentile=float(np.quantile(dcr, 0.05)),
        holdout_dcr_median=float(np.median(hold_dcr)),
        nearer_than_real=_nearer_share(xm, xs, m_nn),
        holdout_nearer_than_real=_nearer_share(xm, xh, m_nn),
        membership_advantage=membership_advantage(member_to_synth, holdout_to_synth, seed),
    )
