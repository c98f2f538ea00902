"""Pinhole camera: placement rules per posture, auto-framing and projection.

Why per-posture rules: MediaPipe reads upright bodies from the front to ~60 deg off, but lying or prone bodies only
from the side; seen from the head or feet end, or a squat/curl seen from behind, it returns a confident but wrong
skeleton (shared/docs/SYNTHETIC.md). Generating those views would teach the classifier MediaPipe's mistakes and make
ground-truth error numbers meaningless, so each posture samples only from views MediaPipe handles. Azimuth is measured
around the body: 0 = in front of an upright subject; for lying postures (body along the z axis) +-90 = side views.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class CameraRule:
    azimuth: tuple[float, float]      # |azimuth| range, degrees; the sign (which side) is drawn separately
    elevation: tuple[float, float]
    fov: tuple[float, float]          # vertical field of view, degrees
    fill: tuple[float, float]         # landmark bounding box height / image height
    max_width_fill: float = 0.9


POSTURE_RULES: dict[str, CameraRule] = {
    # Exactly frontal views at low elevation let MediaPipe mix up the arms when they are overhead or in front of
    # the body (measured: pull up / shoulder press at az 1-18 deg, el 11-15 deg: 8-10 %H error), hence |az| >= 20, el >= 14.
    "upright": CameraRule(azimuth=(20, 50), elevation=(14, 28), fov=(30, 50), fill=(0.6, 0.75)),
    # Hip hinges and seated knee extension are read from the side: a frontal view of a trunk bent to horizontal
    # hides the hips and foreshortens the arms (romanian deadlift at az 3 deg: 8.6 %H).
    "upright_side": CameraRule(azimuth=(25, 60), elevation=(15, 28), fov=(30, 50), fill=(0.6, 0.75)),
    "lying": CameraRule(azimuth=(72, 108), elevation=(18, 35), fov=(25, 40), fill=(0.6, 0.8), max_width_fill=0.88),
    # Prone bodies (plank, push-up) are the weakest case: measured 3-5 %H at az 90 / el 20 but 5-11 %H once the
    # camera drifts 15 deg towards the head or feet or climbs to 35-45 deg, so the side view is kept tight and low.
    "prone": CameraRule(azimuth=(84, 96), elevation=(14, 24), fov=(25, 35), fill=(0.6, 0.8), max_width_fill=0.88),
    # Push-ups read better from a little higher (measured az 90: el 35 -> vis 0.82, 3.4-3.8 %H; el 20 -> 2.8-6.8 %H).
    "prone_high": CameraRule(azimuth=(84, 96), elevation=(30, 40), fov=(25, 35), fill=(0.6, 0.8), max_width_fill=0.88),
    # Legs raised towards a frontal camera are foreshortened (russian twist at az 3-8 deg: ankles 15 %H off).
    "floor_seated": CameraRule(azimuth=(20, 50), elevation=(18, 32), fov=(30, 45), fill=(0.6, 0.75)),
}


@dataclass(frozen=True)
class CameraParams:
    """The randomised part of a camera (what the manifest records)."""

    azimuth: float
    elevation: float
    fov: float
    fill: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 3) for k, v in asdict(self).items()}


def sample_camera(posture: str, rng: np.random.Generator) -> CameraParams:
    rule = POSTURE_RULES[posture]
    az = float(rng.uniform(*rule.azimuth)) * (1.0 if rng.random() < 0.5 else -1.0)
    return CameraParams(azimuth=az, elevation=float(rng.uniform(*rule.elevation)),
                        fov=float(rng.uniform(*rule.fov)), fill=float(rng.uniform(*rule.fill)))


@dataclass
class Camera:
    """World -> pixel pinhole. ``rotation`` rows are the camera axes (right, down, forward) in world coordinates."""

    position: np.ndarray
    rotation: np.ndarray
    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pixel u, v and depth along the optical axis for (...,3) world points."""
        c = (pts - self.position) @ self.rotation.T
        depth = c[..., 2]
        safe = np.maximum(depth, 1e-6)
        return self.fx * c[..., 0] / safe + self.cx, self.fy * c[..., 1] / safe + self.cy, depth

    def rays(self) -> np.ndarray:
        """(H,W,3) unit world directions through pixel centres."""
        xs = (np.arange(self.width) + 0.5 - self.cx) / self.fx
        ys = (np.arange(self.height) + 0.5 - self.cy) / self.fy
        d = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1))), axis=-1)
        d = d @ self.rotation
        return d / np.linalg.norm(d, axis=-1, keepdims=True)

    def scaled(self, width: int, height: int) -> "Camera":
        """The same view at another resolution (landmarks are normalised, so they do not change)."""
        sx, sy = width / self.width, height / self.height
        return Camera(self.position, self.rotation, self.fx * sx, self.fy * sy, self.cx * sx, self.cy * sy, width, height)


def look_rotation(forward: np.ndarray) -> np.ndarray:
    """Rows right, down, forward for a camera looking along ``forward`` with no roll."""
    f = forward / np.linalg.norm(forward)
    right = np.cross(f, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    down = np.cross(f, right)
    return np.stack([right, down, f])


def fit_camera(points: np.ndarray, params: CameraParams, width: int, height: int, rule: CameraRule) -> Camera:
    """Place the camera on the sampled view so that all ``points`` (N,3) over the clip fill ``params.fill`` of the
    image height (or ``rule.max_width_fill`` of its width, whichever binds), centred in the frame."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    target = (lo + hi) / 2
    radius = float(np.linalg.norm(hi - lo)) / 2
    az, el = np.radians(params.azimuth), np.radians(params.elevation)
    direction = np.array([np.cos(el) * np.sin(az), np.sin(el), np.cos(el) * np.cos(az)])
    rotation = look_rotation(-direction)
    f = height / 2 / np.tan(np.radians(params.fov) / 2)
    dist = 3.0 * radius / np.tan(np.radians(params.fov) / 2)
    cam = Camera(target + dist * direction, rotation, f, f, width / 2, height / 2, width, height)
    for _ in range(6):
        u, v, _ = cam.project(points)
        grow = max((v.max() - v.min()) / height / params.fill, (u.max() - u.min()) / width / rule.max_width_fill)
        dist = max(dist * grow, radius * 1.3 + 0.3)  # never inside or grazing the body
        cam = Camera(target + dist * direction, rotation, f, f, width / 2, height / 2, width, height)
    u, v, _ = cam.project(points)
    cam.cx += width / 2 - (u.max() + u.min()) / 2
    cam.cy += height / 2 - (v.max() + v.min()) / 2
    return cam
