"""Probabilities and log-odds: the logistic function, written once for every score,
calibration and plan benefit of ``k12ews.ml``.

``expit`` is ``1 / (1 + exp(-x))`` as the risk scores have always been computed. The
solvers that fit models by their gradient (``k12ews.ml.risk.monotone``,
``k12ews.ml.effects.logistic`` and ``aipw``) use ``scipy.special.expit``, which takes
another branch for negative ``x`` and so differs in the last bit for a few values in a
hundred: moving either side to the other would change stored scores and estimates.
"""

from __future__ import annotations

import numpy as np


def expit(x: np.ndarray) -> np.ndarray:
    """The probability of a log-odds: ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))
