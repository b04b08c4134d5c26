"""The direction the field agrees on for each model feature, read from seed
``ml_feature_directions`` (seeds/ml/ml_feature_directions.csv, documented in its yml).

Each feature has a ``risk_direction``:

- ``higher_is_riskier``: more absence, tardies, failures, incidents, suspensions, moves
  or retentions never lower the risk (sign +1: the model's log-odds may only rise with it);
- ``higher_is_safer``: a higher GPA or test level never raises it (sign -1); credits
  enter the models as credits *behind*, which is riskier;
- ``not_settled``: services, which go to students at risk and may also help: no sign;
- ``not_a_risk_factor``: the grade level and student characteristics: no sign.

The signs constrain training (``k12ews.ml.risk.monotone``): a feature with a sign can only move
the log-odds that way, so no explanation says a high absence rate lowers the risk. A
missing value has no sign (the missing-value indicator and the trees' missing branch are
free): a missing value is not above or below anything. ``recourse_lever`` names the
change in the rest of the year that moves the feature (``k12ews.ml.risk.recourse``); features
without one are history or not the school's to change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

RISKIER = "higher_is_riskier"
SAFER = "higher_is_safer"
NOT_SETTLED = "not_settled"
NOT_A_RISK_FACTOR = "not_a_risk_factor"
SIGNS: dict[str, int] = {RISKIER: 1, SAFER: -1, NOT_SETTLED: 0, NOT_A_RISK_FACTOR: 0}

DEFAULT_SEED = Path(__file__).resolve().parents[4] / "seeds" / "ml" / "ml_feature_directions.csv"


class UnknownDirectionError(ValueError):
    """A seed row names a direction outside ``SIGNS``."""


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


@dataclass(frozen=True)
class Directions:
    """Feature -> sign (+1, -1, 0) and feature -> recourse lever ("" = none)."""

    signs: Mapping[str, int] = field(default_factory=dict)
    levers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def none(cls) -> Directions:
        """No constraint on any feature (the unconstrained comparison fit)."""
        return cls()

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Directions:
        """From the seed's rows (``dbt.ref('ml_feature_directions').df()`` or the CSV)."""
        signs: dict[str, int] = {}
        levers: dict[str, str] = {}
        for row in frame.to_dict("records"):
            direction = _text(row["risk_direction"])
            if direction not in SIGNS:
                raise UnknownDirectionError(
                    f"feature {row['feature']!r}: unknown risk_direction {direction!r} "
                    f"(one of {sorted(SIGNS)})"
                )
            signs[str(row["feature"])] = SIGNS[direction]
            lever = _text(row.get("recourse_lever"))
            if lever:
                levers[str(row["feature"])] = lever
        return cls(signs=signs, levers=levers)

    @classmethod
    def load(cls, path: Path = DEFAULT_SEED) -> Directions:
        return cls.from_frame(pd.read_csv(path))

    def sign(self, feature: str) -> int:
        return int(self.signs.get(feature, 0))

    def signs_for(self, names: Iterable[str]) -> list[int]:
        return [self.sign(n) for n in names]

    @property
    def constrains_anything(self) -> bool:
        return any(self.signs.values())

    def to_json(self, names: Iterable[str]) -> str:
        """The signs used for ``names`` (the registry's ``direction_constraints``)."""
        return json.dumps({n: self.sign(n) for n in names}, sort_keys=True)
