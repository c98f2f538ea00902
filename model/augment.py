"""Training-time augmentation of *raw* (unscaled) windows; labels are never changed.

Applied to training windows only, freshly each epoch (inside each training worker, on the batches as they stream
in), so the network sees a new variant of every window every epoch. Validation and test windows are never
augmented. It works on raw features because the left/right mirror is defined on the raw 83-dim layout
(``features.mirror.mirror_features``); scaling happens afterwards.

* time stretch (p ``stretch_p``): resample the window about its centre at speed 0.8-1.2 (linear interpolation,
  positions outside the window clamp to the edge frame) - different execution speeds of the same exercise;
* temporal shift (p ``shift_p``): move the content by up to +-2 frames, the vacated frames repeat the edge;
* Gaussian noise (p ``noise_p``, sigma 0.01): pose-estimation jitter;
* mirror (p ``mirror_p``): swap the subject's left and right - the exercise is the same.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .config import AugmentConfig

MirrorFn = Callable[[np.ndarray], np.ndarray]


def default_mirror() -> MirrorFn:
    from ..features.mirror import mirror_features

    return mirror_features


def _resample(window: np.ndarray, positions: np.ndarray) -> np.ndarray:
    t = window.shape[0]
    positions = np.clip(positions, 0, t - 1)
    lo = np.floor(positions).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    frac = (positions - lo)[:, None].astype(np.float32)
    return window[lo] * (1 - frac) + window[hi] * frac


def time_stretch(window: np.ndarray, factor: float) -> np.ndarray:
    """``factor`` > 1 plays faster (covers more of the motion), < 1 slower; length is kept."""
    t = window.shape[0]
    centre = (t - 1) / 2
    return _resample(window, centre + (np.arange(t) - centre) * factor)


def time_shift(window: np.ndarray, shift: int) -> np.ndarray:
    """Content moves ``shift`` frames later (negative: earlier); vacated frames repeat the edge frame."""
    t = window.shape[0]
    idx = np.clip(np.arange(t) - shift, 0, t - 1)
    return window[idx]


def augment_batch(x: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator,
                  mirror: MirrorFn | None = None) -> np.ndarray:
    """Augment a ``(B, T, F)`` batch of raw windows; returns a new float32 array of the same shape."""
    x = np.array(x, dtype=np.float32, copy=True)
    if not cfg.enabled or len(x) == 0:
        return x
    if mirror is None and cfg.mirror_p > 0:
        mirror = default_mirror()
    for i in range(len(x)):
        w = x[i]
        if rng.random() < cfg.stretch_p:
            w = time_stretch(w, rng.uniform(cfg.stretch_min, cfg.stretch_max))
        if cfg.shift_max > 0 and rng.random() < cfg.shift_p:
            w = time_shift(w, int(rng.integers(-cfg.shift_max, cfg.shift_max + 1)))
        if rng.random() < cfg.mirror_p:
            w = np.asarray(mirror(w), dtype=np.float32)
        if rng.random() < cfg.noise_p:
            w = w + rng.normal(0.0, cfg.noise_sigma, size=w.shape).astype(np.float32)
        x[i] = w
    return x


class AugmentAndScale:
    """Batch transform of the training stream, applied inside each training worker: augment raw windows, then
    scale (validation batches are only scaled). One generator for the object's life: every epoch streams the data
    again and draws new variants, and a given ``seed`` makes the whole sequence of variants repeatable (``None``:
    OS entropy).
    """

    def __init__(self, cfg: AugmentConfig, mean: np.ndarray, scale: np.ndarray, augment: bool = True,
                 seed: int | None = None):
        self.cfg = cfg
        self.mean = np.asarray(mean, np.float32)
        self.scale = np.asarray(scale, np.float32)
        self.augment = augment and cfg.enabled
        self.rng = np.random.default_rng(seed)

    def __call__(self, batch: dict) -> dict:
        x = np.asarray(batch["x"], dtype=np.float32)
        if self.augment:
            x = augment_batch(x, self.cfg, self.rng)
        return {"x": (x - self.mean) / self.scale, "y": np.asarray(batch["y"], dtype=np.int64)}
