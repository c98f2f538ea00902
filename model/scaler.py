"""Per-feature standardisation fitted on training windows only, stored as plain JSON (never pickle).

Same semantics as ``sklearn.preprocessing.StandardScaler`` (population std; a constant feature gets scale 1
so it maps to 0 instead of dividing by zero). JSON keeps the artifact readable, diffable and safe to load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

FORMAT = "standard-scaler/v1"


@dataclass(frozen=True)
class Scaler:
    mean: np.ndarray   # (F,) float64
    scale: np.ndarray  # (F,) float64, > 0

    @classmethod
    def fit(cls, windows: np.ndarray) -> "Scaler":
        """Fit on ``(..., F)`` data: every frame of every training window counts once."""
        x = np.asarray(windows, dtype=np.float64)
        x = x.reshape(-1, x.shape[-1])
        if len(x) == 0:
            raise ValueError("cannot fit a scaler on zero windows")
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        scale = np.where(std < 10 * np.finfo(np.float64).eps, 1.0, std)
        return cls(mean, scale)

    def transform(self, windows: np.ndarray) -> np.ndarray:
        x = np.asarray(windows, dtype=np.float32)
        if x.shape[-1] != len(self.mean):
            raise ValueError(f"scaler expects {len(self.mean)} features, got {x.shape[-1]}")
        return ((x - self.mean.astype(np.float32)) / self.scale.astype(np.float32)).astype(np.float32)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "mean": [float(v) for v in self.mean], "scale": [float(v) for v in self.scale]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, data: dict) -> "Scaler":
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format={data.get('format')!r})")
        mean = np.asarray(data["mean"], dtype=np.float64)
        scale = np.asarray(data["scale"], dtype=np.float64)
        if mean.shape != scale.shape or mean.ndim != 1 or not np.all(scale > 0):
            raise ValueError("scaler JSON has inconsistent mean/scale")
        return cls(mean, scale)

    @classmethod
    def from_json(cls, text: str) -> "Scaler":
        return cls.from_dict(json.loads(text))
