"""What the dbt vars decide for the lifecycle (dbt_project.yml, ``ml_lifecycle`` in
models/ml/lifecycle/ml_model_store.yml), read from one JSON string."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

SCORE = "score"
TRAIN = "train"
MODES = (SCORE, TRAIN)


@dataclass(frozen=True)
class LifecycleSettings:
    """The mode of the build, the promotion rule and the drift thresholds."""

    mode: str = SCORE
    # the share of students a school has room to reach first: precision is read there
    capacity_share: float = 0.10
    # a challenger is promoted only with a ROC AUC above the promoted model's by more
    # than this (ties go to the promoted model) ...
    min_auc_gain: float = 0.0
    # ... a calibration error at most this much above the promoted model's ...
    calibration_tolerance: float = 0.01
    # ... and a precision at the capacity cut at most this much below it
    precision_tolerance: float = 0.02
    # population stability index: at or above `warn` a feature or score has drifted
    drift_psi_warn: float = 0.1
    drift_psi_alert: float = 0.25
    drift_bins: int = 10

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"ml_mode must be one of {MODES}, got {self.mode!r}")
        if not 0 < self.capacity_share <= 1:
            raise ValueError(f"ml_capacity_share must be in (0, 1], got {self.capacity_share}")
        if not (math.isfinite(self.drift_psi_warn) and self.drift_psi_warn > 0):
            raise ValueError("ml_drift_psi_warn must be a positive number")

    @classmethod
    def from_json(cls, text: str | None) -> LifecycleSettings:
        if not text:
            return cls()
        d = json.loads(text)
        base = cls()
        return cls(
            mode=str(d.get("mode") or base.mode),
            capacity_share=float(d.get("capacity_share", base.capacity_share)),
            min_auc_gain=float(d.get("min_auc_gain", base.min_auc_gain)),
            calibration_tolerance=float(d.get("calibration_tolerance", base.calibration_tolerance)),
            precision_tolerance=float(d.get("precision_tolerance", base.precision_tolerance)),
            drift_psi_warn=float(d.get("drift_psi_warn", base.drift_psi_warn)),
            drift_psi_alert=float(d.get("drift_psi_alert", base.drift_psi_alert)),
            drift_bins=int(d.get("drift_bins", base.drift_bins)),
        )
