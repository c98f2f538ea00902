"""Temperature scaling: make a model's confidence mean what it says (``uncertain`` then means something).

``p_T ∝ p ** (1 / T)``: one number, fitted on held-out predictions by minimising the negative log-likelihood of the
true class (Guo et al., 2017). T > 1 softens over-confident probabilities, T < 1 sharpens diffuse ones (a forest
averaging many trees is diffuse). It never changes which class wins.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-6


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``(n, C)`` probabilities -> the same with temperature ``temperature`` (rows sum to 1)."""
    p = np.clip(np.asarray(probs, np.float64), _EPS, 1.0)
    logits = np.log(p) / float(temperature)
    logits -= logits.max(axis=-1, keepdims=True)
    e = np.exp(logits)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def fit_temperature(probs: np.ndarray, y: np.ndarray, *, low: float = 0.05, high: float = 10.0) -> float:
    """The temperature in ``[low, high]`` that minimises the NLL of ``y`` under ``probs`` (golden-section on log T)."""
    p = np.asarray(probs, np.float64)
    y = np.asarray(y, np.int64)
    if len(y) == 0:
        return 1.0

    def nll(log_t: float) -> float:
        q = apply_temperature(p, np.exp(log_t))
        return float(-np.log(np.clip(q[np.arange(len(y)), y], _EPS, 1.0)).mean())

    a, b = np.log(low), np.log(high)
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(60):
        if nll(c) < nll(d):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    return float(np.exp((a + b) / 2))
