"""Per-frame joint-angle signals of one video, in degrees, for counting reps and measuring range of motion.

Why angles from MediaPipe's *world* landmarks: they are metric 3D and hip-centred, so a knee angle means the same
whatever the camera's distance, zoom or azimuth (an image-plane angle of a squat filmed from the front hardly
moves). Where a frame has no world landmarks the image landmarks (aspect-corrected) stand in, so a row extracted
without world landmarks still gets an analysis. Gravity is taken to point down the image, as in
:mod:`..features.table`.

Signals are returned per sampled frame with NaN where the pose was not found; :func:`fill_gaps` makes them
continuous for the rep counter, which must not see a lost frame as motion. Pure numpy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..features.compute import _joint_angle, _unit
from ..features.landmarks import LANDMARK_INDEX as I

SIDES = ("left", "right")

# Joint -> the three landmarks whose middle one is the vertex (per side). Degrees, 180 = straight.
SIDED_JOINTS: dict[str, tuple[str, str, str]] = {
    "knee": ("hip", "knee", "ankle"),
    "hip": ("shoulder", "hip", "knee"),
    "elbow": ("shoulder", "elbow", "wrist"),
    "shoulder": ("hip", "shoulder", "elbow"),
}
# Whole-body signals (one per frame, no side).
CENTRAL_SIGNALS = ("trunk_pitch", "trunk_twist", "arm_spread", "hip_height")


@dataclass(frozen=True)
class VideoSignals:
    """One video's signals: ``times_s`` (T,) and ``values[name]`` (T,) with NaN where no pose was found.

    Sided joints are named ``left_knee`` / ``right_knee``; central ones as in :data:`CENTRAL_SIGNALS`.
    """

    times_s: np.ndarray
    values: dict[str, np.ndarray]

    def joint(self, name: str) -> tuple[np.ndarray, np.ndarray] | np.ndarray:
        """``(left, right)`` for a sided joint, the single signal for a central one."""
        if name in SIDED_JOINTS:
            return self.values[f"left_{name}"], self.values[f"right_{name}"]
        return self.values[name]

    def slice(self, start: int, stop: int) -> "VideoSignals":
        return VideoSignals(self.times_s[start:stop], {k: v[start:stop] for k, v in self.values.items()})

    def __len__(self) -> int:
        return len(self.times_s)


def _points(image: np.ndarray, world: np.ndarray | None, aspect: float) -> np.ndarray:
    """``(T, 33, 3)`` metric-ish points, y up: world landmarks where present, image landmarks elsewhere."""
    img = np.stack([image[..., 0] * aspect, -image[..., 1], -image[..., 2] * aspect], axis=-1)
    if world is None:
        return img
    w = np.stack([world[..., 0], -world[..., 1], -world[..., 2]], axis=-1)
    have_world = np.isfinite(w).all(axis=(1, 2))
    return np.where(have_world[:, None, None], w, img)


def video_signals(image: np.ndarray, world: np.ndarray | None, times_s: np.ndarray, *,
                  width: int | None = None, height: int | None = None) -> VideoSignals:
    """Image landmarks ``(T, 33, >=3)`` (+ world ``(T, 33, 3)`` or None) and frame times -> :class:`VideoSignals`."""
    image = np.asarray(image, np.float64)
    times_s = np.asarray(times_s, np.float64)
    if image.ndim != 3 or image.shape[1] != 33 or image.shape[2] < 3:
        raise ValueError(f"image landmarks must be (T, 33, >=3), got {image.shape}")
    if len(times_s) != len(image):
        raise ValueError(f"{len(times_s)} frame times for {len(image)} frames")
    if world is not None:
        world = np.asarray(world, np.float64)
        if world.shape != (len(image), 33, 3):
            raise ValueError(f"world landmarks must be ({len(image)}, 33, 3), got {world.shape}")
    aspect = float(width) / float(height) if width and height else 1.0
    p = _points(image[..., :3], world, aspect)
    out: dict[str, np.ndarray] = {}
    for joint, (a, b, c) in SIDED_JOINTS.items():
        for side in SIDES:
            out[f"{side}_{joint}"] = np.degrees(_joint_angle(p[:, I[f"{side}_{a}"]], p[:, I[f"{side}_{b}"]],
                                                             p[:, I[f"{side}_{c}"]]))
    sh = (p[:, I["left_shoulder"]] + p[:, I["right_shoulder"]]) / 2
    hp = (p[:, I["left_hip"]] + p[:, I["right_hip"]]) / 2
    trunk = _unit(sh - hp)
    out["trunk_pitch"] = np.degrees(np.arccos(np.clip(trunk[:, 1], -1.0, 1.0)))  # 0 upright, 90 lying
    # twist: the shoulder line's heading against the hip line's, in the plane across the trunk
    sl = p[:, I["right_shoulder"]] - p[:, I["left_shoulder"]]
    hl = p[:, I["right_hip"]] - p[:, I["left_hip"]]
    sl -= (sl * trunk).sum(-1, keepdims=True) * trunk
    hl -= (hl * trunk).sum(-1, keepdims=True) * trunk
    out["trunk_twist"] = np.degrees(np.arctan2((np.cross(hl, sl) * trunk).sum(-1), (hl * sl).sum(-1)))
    ua_l = p[:, I["left_elbow"]] - p[:, I["left_shoulder"]]
    ua_r = p[:, I["right_elbow"]] - p[:, I["right_shoulder"]]
    out["arm_spread"] = np.degrees(np.arccos(np.clip((_unit(ua_l) * _unit(ua_r)).sum(-1), -1.0, 1.0)))
    # the hips' height in the image, in torso lengths (a pull-up or dip moves the body, not a joint angle alone)
    im = image[..., :2] * np.array([aspect, 1.0])
    torso = np.linalg.norm((im[:, I["left_shoulder"]] + im[:, I["right_shoulder"]]) / 2 -
                           (im[:, I["left_hip"]] + im[:, I["right_hip"]]) / 2, axis=-1)
    scale = np.nanmedian(torso) if np.isfinite(torso).any() else np.nan
    out["hip_height"] = -(im[:, I["left_hip"], 1] + im[:, I["right_hip"], 1]) / 2 / max(scale, 1e-6) * 100.0
    return VideoSignals(times_s, {k: v.astype(np.float64) for k, v in out.items()})


def fill_gaps(x: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN runs (ends held flat); all-NaN stays all-NaN. Peak finding needs a
    continuous signal, and a straight line through a gap can never make a turning point of its own."""
    x = np.asarray(x, np.float64)
    ok = np.isfinite(x)
    if ok.all() or not ok.any():
        return x.copy()
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok])


def smooth(x: np.ndarray, fps: float, sigma_s: float = 0.12) -> np.ndarray:
    """Gaussian smoothing of a gap-filled signal; sigma in seconds so it means the same at any sampling rate."""
    from scipy.ndimage import gaussian_filter1d

    sigma = sigma_s * fps
    return gaussian_filter1d(x, sigma, mode="nearest") if sigma >= 0.3 and len(x) > 1 else x.copy()


def sampling_rate(times_s: np.ndarray) -> float:
    """Frames per second of a (near-)uniformly sampled time axis (median step), 10.0 when undefined."""
    d = np.diff(np.asarray(times_s, np.float64))
    d = d[d > 0]
    return float(1.0 / np.median(d)) if len(d) else 10.0
