"""The smallest set of changes that moves a score down a tier, found exactly on an
additive model.

Each lever's steps move some model inputs (``k12ews.ml.risk.recourse_levers``). The model is
additive, so a lever's effect on the log-odds after k steps is the sum over the inputs it
moves of g_i(value after k steps) - g_i(value now), whatever the other levers do; it is
computed once per lever and step (``drops``), each g_i read off the model itself by
substitution (the same way ``k12ews.ml.risk.explain`` reads contributions). The search then
takes, for each student, the fewest levers whose drops together reach ``need`` (the
log-odds to shed to fall below the next tier's threshold) and, among those, the smallest
effort: the sum over levers of steps / the student's largest number of steps, that is
the share of what is still possible. Exact: every combination of steps is considered
(for two levers, each step of the first with the fewest steps of the second that reach
``need``; likewise for three).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from k12ews.ml.risk import train
from k12ews.ml.risk.recourse_levers import Lever


def split_points(estimator: object, column: int) -> np.ndarray | None:
    """The thresholds of every split on ``column`` in a boosted model's trees, sorted (a
    value goes left at a split when it is at most the threshold); None for a model that
    is not made of trees. Between two consecutive thresholds the column's shape function
    is constant."""
    predictors = getattr(estimator, "_predictors", None)
    if predictors is None:
        return None
    found = [
        tree.nodes["num_threshold"][
            (tree.nodes["feature_idx"] == column) & (tree.nodes["is_leaf"] == 0)
        ]
        for iteration in predictors
        for tree in iteration
    ]
    return np.unique(np.concatenate(found)) if found else np.array([])


def shape_values(
    model: train.FittedModel, base: np.ndarray, column: int, values: np.ndarray
) -> np.ndarray:
    """g_i(v) + constant for every v in ``values`` (any shape): the model at ``base`` with
    column ``column`` set to v. A boosted model is evaluated once per interval between
    its split points (one value each, the interval's upper end) and once for a missing
    value; any other model once per distinct value."""
    logit = train.logit_function(model.estimator)
    flat = values.reshape(-1)
    points = split_points(model.estimator, column)
    if points is None:
        uniq, inverse = np.unique(flat, return_inverse=True, equal_nan=True)
        reps, index = uniq, inverse.reshape(-1)
    else:
        upper = np.nextafter(points[-1], np.inf) if len(points) else 0.0
        reps = np.concatenate([points, [upper, np.nan]])
        index = np.searchsorted(points, flat, side="left")
        index[np.isnan(flat)] = len(reps) - 1
    rows = np.tile(base, (len(reps), 1))
    rows[:, column] = reps
    return logit(rows)[index].reshape(values.shape)


def drops(model: train.FittedModel, x: np.ndarray, lever: Lever) -> np.ndarray:
    """Per student and step k (n x width), how much the calibrated log-odds fall after k
    steps of the lever (0 at k = 0; -inf past the student's last step)."""
    base = np.nan_to_num(np.nanmedian(x, axis=0), nan=0.0) if len(x) else np.zeros(x.shape[1])
    out = np.zeros((len(x), lever.width))
    for f, after in lever.values.items():
        i = model.features.index(f)
        now = shape_values(model, base, i, x[:, i][:, None])
        out += model.platt_slope * (now - shape_values(model, base, i, after))
    k = np.arange(lever.width)[None, :]
    return np.where(k <= lever.steps[:, None], out, -np.inf)


@dataclass
class Plan:
    """Per student: the steps of each lever (0 = not used), the log-odds shed, and
    whether the need was met."""

    steps: np.ndarray  # n x levers
    shed: np.ndarray
    found: np.ndarray


def _first_reaching(d: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first step whose drop reaches the row's target, and whether any does."""
    hit = d >= target[:, None]
    return hit.argmax(axis=1), hit.any(axis=1)


def _effort(k: np.ndarray, steps: np.ndarray) -> np.ndarray:
    return k / np.maximum(steps, 1)


def search(levers: list[Lever], lever_drops: list[np.ndarray], need: np.ndarray) -> Plan:
    """The fewest levers, then the least effort, whose drops reach ``need`` (exact)."""
    n, m = len(need), len(levers)
    best_steps = np.zeros((n, m), dtype=np.int64)
    best_shed = np.zeros(n)
    found = need <= 0
    for size in range(1, m + 1):
        open_rows = ~found
        if not open_rows.any():
            break
        best_effort = np.full(n, np.inf)
        for combo in combinations(range(m), size):
            k, shed, ok, effort = _best_for(
                [lever_drops[j] for j in combo], [levers[j].steps for j in combo], need
            )
            better = open_rows & ok & (effort < best_effort - 1e-12)
            best_effort[better] = effort[better]
            best_shed[better] = shed[better]
            best_steps[better] = 0
            for col, j in enumerate(combo):
                best_steps[better, j] = k[better, col]
        found = found | np.isfinite(best_effort)
    return Plan(steps=best_steps, shed=best_shed, found=found)


def _best_for(
    ds: list[np.ndarray], steps: list[np.ndarray], need: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For one combination of levers, each using at least one step: per student the
    steps of each, the log-odds shed, whether the need is met, and the effort."""
    n = len(need)
    if len(ds) == 1:
        if ds[0].shape[1] < 2:  # no step left to take (after the year's last school day)
            nothing = np.zeros(n, dtype=np.int64)
            return nothing[:, None], np.zeros(n), np.zeros(n, dtype=bool), np.full(n, np.inf)
        k, ok = _first_reaching(ds[0][:, 1:], need)
        k = k + 1
        shed = np.take_along_axis(ds[0], k[:, None], axis=1)[:, 0]
        return k[:, None], shed, ok, np.where(ok, _effort(k, steps[0]), np.inf)
    first, rest = ds[0], ds[1:]
    best_k = np.zeros((n, len(ds)), dtype=np.int64)
    best_shed = np.zeros(n)
    best_effort = np.full(n, np.inf)
    for k0 in range(1, first.shape[1]):
        d0 = first[:, k0]
        usable = np.isfinite(d0)
        if not usable.any():
            continue
        k_rest, shed_rest, ok, eff_rest = _best_for(rest, steps[1:], need - d0)
        effort = _effort(np.full(n, k0), steps[0]) + eff_rest
        better = usable & ok & (effort < best_effort - 1e-12)
        best_effort = np.where(better, effort, best_effort)
        best_shed = np.where(better, d0 + shed_rest, best_shed)
        best_k[better, 0] = k0
        best_k[better, 1:] = k_rest[better]
    return best_k, best_shed, np.isfinite(best_effort), best_effort
