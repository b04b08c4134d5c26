"""What the dbt vars decide for the intervention effects
(models/ml/effects/ml_intervention_effects.yml, ``EffectSettings.from_json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class EffectSettings:
    """What the dbt vars decide (models/ml/effects/ml_intervention_effects.yml)."""

    min_treated: int = 30
    min_controls: int = 30
    folds: int = 3
    propensity_clip: float = 0.01
    seed: int = 20240901
    controls_per_treated: float = 10.0
    min_controls_fitted: int = 5000
    spline_knots: int = 4
    regularization_c: float = 1.0

    @classmethod
    def from_json(cls, text: str | None) -> EffectSettings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            min_treated=int(d.get("min_treated", base.min_treated)),
            min_controls=int(d.get("min_controls", base.min_controls)),
            folds=int(d.get("folds", base.folds)),
            propensity_clip=float(d.get("propensity_clip", base.propensity_clip)),
            seed=int(d.get("seed", base.seed)),
            controls_per_treated=float(d.get("controls_per_treated", base.controls_per_treated)),
            min_controls_fitted=int(d.get("min_controls_fitted", base.min_controls_fitted)),
            spline_knots=int(d.get("spline_knots", base.spline_knots)),
            regularization_c=float(d.get("regularization_c", base.regularization_c)),
        )
