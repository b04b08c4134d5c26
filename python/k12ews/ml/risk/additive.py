"""A glass-box risk model whose explanations add up exactly to its output.

Each feature is cut into bins (quantiles of the training data, plus a bin for a
missing value); a regularised logistic regression on the bin indicators gives every
bin a log-odds contribution. A student's risk on the log-odds scale is then

    base value + sum over features of the contribution of the student's bin

exactly: the explanation *is* the model. Contributions are centred so that each
feature's average contribution over the training students is zero, so a positive
contribution reads "raises this student's risk above the typical student's". Platt
calibration (a * logit + b) keeps the sum exact: contributions scale by ``a`` and the
base value absorbs ``b`` (see ``calibrate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from k12ews.ml.odds import expit


@dataclass
class _Binning:
    edges: np.ndarray  # interior cut points, ascending

    def codes(self, x: np.ndarray) -> np.ndarray:
        """Bin index per value; the last index (len(edges) + 1) is 'missing'."""
        out = np.searchsorted(self.edges, x, side="right")
        out[np.isnan(x)] = len(self.edges) + 1
        return out

    @property
    def n_bins(self) -> int:
        return len(self.edges) + 2


@dataclass
class AdditiveRiskModel:
    """Binned logistic model: fit, predict, explain (contributions sum to the logit)."""

    max_bins: int = 8
    l2: float = 1.0  # inverse regularisation strength C of the logistic regression
    features: list[str] = field(default_factory=list)
    binnings: dict[str, _Binning] = field(default_factory=dict)
    contributions_: dict[str, np.ndarray] = field(default_factory=dict)
    base_value: float = 0.0
    scale: float = 1.0  # Platt slope applied to the contributions

    def _design(self, frame: pd.DataFrame) -> np.ndarray:
        blocks = []
        for f in self.features:
            b = self.binnings[f]
            codes = b.codes(frame[f].to_numpy(dtype=float))
            block = np.zeros((len(frame), b.n_bins))
            block[np.arange(len(frame)), codes] = 1.0
            blocks.append(block)
        return np.hstack(blocks)

    def fit(
        self, frame: pd.DataFrame, y: np.ndarray | pd.Series, features: list[str]
    ) -> AdditiveRiskModel:
        if not features:
            raise ValueError("no features to fit on")
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise KeyError(f"features not in the frame: {missing}")
        self.features = list(features)
        for f in self.features:
            x = frame[f].to_numpy(dtype=float)
            x = x[~np.isnan(x)]
            qs = (
                np.unique(np.quantile(x, np.linspace(0, 1, self.max_bins + 1)[1:-1]))
                if len(x)
                else np.array([])
            )
            self.binnings[f] = _Binning(edges=qs)
        design = self._design(frame)
        model = LogisticRegression(C=self.l2, max_iter=2000)
        model.fit(design, np.asarray(y, dtype=int))
        coef = model.coef_[0]
        base = float(model.intercept_[0])
        start = 0
        for f in self.features:
            n = self.binnings[f].n_bins
            c = coef[start : start + n].copy()
            mean = float((design[:, start : start + n] @ c).mean())  # training-average contribution
            self.contributions_[f] = c - mean
            base += mean
            start += n
        self.base_value = base
        self.scale = 1.0
        return self

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Each feature's signed contribution to each student's log-odds."""
        out = {}
        for f in self.features:
            codes = self.binnings[f].codes(frame[f].to_numpy(dtype=float))
            out[f] = self.scale * self.contributions_[f][codes]
        return pd.DataFrame(out, index=frame.index)

    def predict_logit(self, frame: pd.DataFrame) -> np.ndarray:
        return self.base_value + self.contributions(frame).to_numpy().sum(axis=1)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return expit(self.predict_logit(frame))

    def calibrate(self, frame: pd.DataFrame, y: np.ndarray | pd.Series) -> AdditiveRiskModel:
        """Platt scaling on held-out students; keeps explanations exact."""
        logit = self.predict_logit(frame).reshape(-1, 1)
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(logit, np.asarray(y, dtype=int))
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        self.scale *= a
        self.base_value = a * self.base_value + b
        return self
