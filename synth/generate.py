"""Clip and library generation: one simulation code path, two outputs (rendered mp4 or landmarks only).

Why one path: :func:`simulate` draws every random parameter of a clip (build, camera, tempo, colours ...) from a
generator seeded by ``(seed, class, index)``, runs the motion program and fits the camera. The fast path
(:func:`landmark_clip`) stops there and projects the ground truth into MediaPipe's layout; the renderer
(:func:`render_clip`) additionally ray-casts the frames. Both therefore describe the exact same motion, and the same
seed always gives the same landmarks and manifest bytes, whether or not videos are rendered.

Outputs of :func:`generate_library` under ``out_dir``:
- ``<label>/<name>.mp4`` (H.264 via PyAV, mp4v via OpenCV if PyAV is missing) -- only when ``render=True``;
- ``<label>/<name>.landmarks.npz`` (always; loads with ``allow_pickle=False``): ``image`` (T,33,3) normalised x, y and
  MediaPipe-style z; ``world`` (T,33,3) metres, hip-centred, camera-aligned axes (x right, y down, z away);
  ``visibility`` (T,33); ``landmarks`` (T,33,4) = image + visibility (with detector noise if ``noise`` > 0);
  ``fps``, ``width``, ``height``, ``label``;
- ``manifest.csv``: path (the mp4, or the npz with ``--landmarks-only``), label, seed, index, source, group, width,
  height, fps, frames, duration_s, landmarks (npz path), params (JSON of every randomised parameter).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..classes import CLASS_INDEX, CLASSES, normalise_label, normalise_labels
from .body import BodyParams, Skeleton, sample_body
from .camera import POSTURE_RULES, Camera, CameraParams, fit_camera, sample_camera
from .landmarks import add_detector_noise, landmark_positions, to_mediapipe
from .motions import MotionSpec, Tempo, build_skeleton, motion_spec, pose_track, rep_windows
from .negatives import (NegativeSpec, key_track, negative_index, negative_label, negative_rep_windows, negative_spec,
                        negative_timing, place)

log = logging.getLogger(__name__)

SOURCE = "synthetic"
NEGATIVE_SOURCE = "synthetic-negative"   # manifest ``source`` of the non-exercise motions (see negatives.py)
FPS_CHOICES = (24, 25, 30, 60)
FPS_WEIGHTS = (0.25, 0.25, 0.4, 0.1)
RESOLUTIONS: tuple[tuple[int, int], ...] = ((320, 240), (640, 360), (640, 480), (854, 480), (960, 540),
                                            (1280, 720), (1920, 1080))
RES_WEIGHTS = (0.1, 0.25, 0.15, 0.15, 0.1, 0.15, 0.1)
MAX_RENDER_WIDTH = 640       # render cost ~ pixels; larger outputs are upscaled (MediaPipe uses a 256x256 crop)
MANIFEST_COLUMNS = ("path", "label", "seed", "index", "source", "group", "width", "height", "fps", "frames",
                    "duration_s", "landmarks", "params")
OVERRIDES = ("fps", "resolution", "duration_s", "noise", "azimuth", "elevation")


@dataclass(frozen=True)
class ClipParams:
    """Every randomised parameter of one clip (recorded in the manifest's ``params`` column)."""

    label: str
    seed: int
    index: int
    variant: str
    body: BodyParams
    camera: CameraParams
    tempo: Tempo
    fps: int
    width: int
    height: int
    frames: int
    duration_s: float
    sway_deg: float
    noise: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["body"] = self.body.to_dict()
        d["camera"] = self.camera.to_dict()
        d["tempo"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self.tempo).items()}
        d["duration_s"] = round(self.duration_s, 4)
        d["sway_deg"] = round(self.sway_deg, 4)
        return d


@dataclass
class Simulation:
    """A clip up to (not including) pixels: parameters, motion, grounded skeleton, fitted camera."""

    params: ClipParams
    spec: MotionSpec
    skeleton: Skeleton
    camera: Camera
    rngs: dict[str, np.random.Generator]


@dataclass
class LandmarkClip:
    """The fast path's result: what MediaPipe should return for the clip, without rendering it."""

    label: str
    seed: int
    index: int
    landmarks: np.ndarray   # float32 (T,33,4): x, y (normalised), z (MediaPipe scale), visibility
    world: np.ndarray       # float32 (T,33,3): metres, hip-centred, camera-aligned
    fps: int
    width: int
    height: int
    params: dict[str, Any] = field(default_factory=dict)
    rep_times_s: tuple[float, ...] = ()   # turning point of every completed rep (see motions.rep_times)

    @property
    def frames(self) -> int:
        return int(self.landmarks.shape[0])

    @property
    def reps(self) -> int:
        return len(self.rep_times_s)


@dataclass(frozen=True)
class ClipRecord:
    """One manifest row."""

    path: str
    label: str
    seed: int
    index: int
    source: str
    group: str
    width: int
    height: int
    fps: int
    frames: int
    duration_s: float
    landmarks: str
    params: dict[str, Any]

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["params"] = json.dumps(self.params, sort_keys=True, separators=(",", ":"))
        return row


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def clip_name(label: str, seed: int, index: int) -> str:
    return f"synth_{slug(label)}_s{seed}_{index:04d}"


def synth_label(name: str) -> str:
    """A class name (normalised, see :func:`normalise_label`) or a negative motion's name (see negatives.py)."""
    return negative_label(name) or normalise_label(name)


def is_negative(label: str) -> bool:
    return negative_label(label) is not None


def _rngs(label: str, seed: int, index: int) -> dict[str, np.random.Generator]:
    """Independent streams per concern, so adding a parameter to one never shifts the others."""
    number = negative_index(label) if is_negative(label) else CLASS_INDEX[label]
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, number, int(index)])
    names = ("motion", "body", "timing", "camera", "track", "look", "noise", "pixels")
    return {n: np.random.default_rng(s) for n, s in zip(names, ss.spawn(len(names)))}


def _timing(spec: MotionSpec, rng: np.random.Generator, fps: int, duration_s: float | None) -> tuple[Tempo, float, int]:
    """Tempo and duration: 2-4 reps in about 3-6 s by default; an explicit duration fixes the length instead."""
    rep_s = float(rng.uniform(*spec.rep_s))
    lead = float(rng.uniform(0.2, 0.6))
    reps = int(rng.integers(2, 5))
    up, hold, rom = float(rng.uniform(0.3, 0.4)), float(rng.uniform(0.0, 0.1)), float(rng.uniform(0.85, 1.05))
    tail = 0.3
    if duration_s is not None:
        usable = max(duration_s - lead - tail, 0.8)
        reps = max(1, int(round(usable / rep_s)))
        rep_s = max(usable / reps, 0.8)
        duration = float(duration_s)
    elif spec.static:
        duration = float(rng.uniform(3.0, 6.0))
    else:
        reps = max(1, min(reps, int((6.0 - lead - tail) // rep_s)))
        duration = float(np.clip(lead + reps * rep_s + tail, 3.0, 6.0))
    frames = max(2, int(round(duration * fps)))
    # the recorded count is what a rep counter should report (see motions.rep_times); the draws above are unchanged
    reps = 0 if spec.static else 2 * reps if spec.alternate or spec.two_way else reps
    return Tempo(reps=reps, rep_s=rep_s, lead_s=lead, up_frac=up, hold_frac=hold, rom=rom), duration, frames


def _check_overrides(overrides: dict[str, Any]) -> None:
    unknown = set(overrides) - set(OVERRIDES)
    if unknown:
        raise TypeError(f"unknown override(s) {sorted(unknown)}; allowed: {', '.join(OVERRIDES)}")


def simulate(label: str, seed: int, index: int = 0, **overrides: Any) -> Simulation:
    """Draw a clip's parameters, run its motion program and fit the camera (no pixels).

    ``label`` is one of the 22 classes or a negative motion (``negatives.NEGATIVE_MOTIONS``)."""
    _check_overrides(overrides)
    label = synth_label(label)
    rngs = _rngs(label, seed, index)
    negative = is_negative(label)
    spec = negative_spec(label, rngs["motion"]) if negative else motion_spec(label, rngs["motion"])
    body = sample_body(rngs["body"])
    fps_default = int(rngs["timing"].choice(FPS_CHOICES, p=FPS_WEIGHTS))
    res_default = RESOLUTIONS[int(rngs["timing"].choice(len(RESOLUTIONS), p=RES_WEIGHTS))]
    fps = int(overrides.get("fps") or fps_default)
    width, height = (int(v) for v in (overrides.get("resolution") or res_default))
    timing = negative_timing if negative else _timing
    tempo, duration, frames = timing(spec, rngs["timing"], fps, overrides.get("duration_s"))
    cam_params = sample_camera(spec.posture, rngs["camera"])
    if overrides.get("azimuth") is not None or overrides.get("elevation") is not None:
        cam_params = CameraParams(
            azimuth=float(overrides["azimuth"]) if overrides.get("azimuth") is not None else cam_params.azimuth,
            elevation=float(overrides["elevation"]) if overrides.get("elevation") is not None else cam_params.elevation,
            fov=cam_params.fov, fill=cam_params.fill)
    sway = float(rngs["track"].uniform(0.5, 2.0))
    if negative:
        track = key_track(spec, tempo, fps, frames, rngs["track"], sway)
        skeleton = build_skeleton(spec, body, track.angles)
        place(skeleton, track.plant_l, track.yaw, track.hop)
    else:
        angles = pose_track(spec, tempo, fps, frames, rngs["track"], sway)
        skeleton = build_skeleton(spec, body, angles)
    pts = landmark_positions(skeleton).reshape(-1, 3)
    camera = fit_camera(pts, cam_params, width, height, POSTURE_RULES[spec.posture])
    params = ClipParams(label=label, seed=int(seed), index=int(index), variant=spec.variant, body=body,
                        camera=cam_params, tempo=tempo, fps=fps, width=width, height=height, frames=frames,
                        duration_s=duration, sway_deg=sway, noise=float(overrides.get("noise") or 0.0))
    return Simulation(params=params, spec=spec, skeleton=skeleton, camera=camera, rngs=rngs)


def clip_rep_windows(sim: Simulation) -> list:
    """The completed reps of a simulated clip (cut-off ones excluded): see motions.rep_times."""
    p, spec = sim.params, sim.spec
    end_s = (p.frames - 1) / p.fps
    if isinstance(spec, NegativeSpec):
        return negative_rep_windows(spec, p.tempo, end_s)
    return rep_windows(p.tempo, static=spec.static, alternate=spec.alternate, two_way=spec.two_way, end_s=end_s)


def _landmarks(sim: Simulation) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    image, world, vis = to_mediapipe(sim.skeleton, sim.camera)
    lm = np.concatenate([image, vis[..., None]], axis=-1)
    lm = add_detector_noise(lm, sim.rngs["noise"], sim.params.noise)
    return image.astype(np.float32), world.astype(np.float32), vis.astype(np.float32), lm.astype(np.float32)


def landmark_clip(label: str, seed: int, index: int = 0, **overrides: Any) -> LandmarkClip:
    """Fast path: the clip's MediaPipe-layout landmark sequence, in memory, without rendering.

    ``overrides``: fps, resolution (w, h), duration_s, noise (0 = exact ground truth, 1 = MediaPipe-like jitter),
    azimuth, elevation (degrees).
    """
    sim = simulate(label, seed, index, **overrides)
    _, world, _, lm = _landmarks(sim)
    p = sim.params
    return LandmarkClip(label=p.label, seed=p.seed, index=p.index, landmarks=lm, world=world, fps=p.fps,
                        width=p.width, height=p.height, params=p.to_dict(),
                        rep_times_s=tuple(round(w.turn, 6) for w in clip_rep_windows(sim)))




def render_frames(sim: Simulation, max_width: int = MAX_RENDER_WIDTH) -> list[np.ndarray]:
    """Ray-cast every frame (RGB uint8 at the output resolution)."""
    import cv2

    from .render import ClipRenderer, PropBuilder, body_primitives, sample_look

    p = sim.params
    look = sample_look(sim.rngs["look"])
    rw = min(p.width, max_width)
    rh = int(round(p.height * rw / p.width / 2)) * 2
    cam = sim.camera.scaled(rw, rh)
    renderer = ClipRenderer(cam, look, sim.rngs["pixels"], sim.skeleton.joints["pelvis"].mean(axis=0))
    props = PropBuilder(sim.spec, sim.skeleton, look)
    frames = []
    for t in range(p.frames):
        img = renderer.render(body_primitives(sim.skeleton, t, look) + props.frame(t))
        if (rw, rh) != (p.width, p.height):
            img = cv2.resize(img, (p.width, p.height), interpolation=cv2.INTER_LINEAR)
        frames.append(img)
    return frames


def write_video(path: Path, frames: list[np.ndarray], fps: int) -> None:
    """H.264 mp4 via PyAV (what phones and cameras write); falls back to OpenCV's mp4v."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    try:
        import av
    except ImportError:  # pragma: no cover - PyAV is in the pinned set
        import cv2

        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        for f in frames:
            writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
        writer.release()
        return
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=int(fps), options={"crf": "20", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _save_landmarks(path: Path, sim: Simulation) -> None:
    image, world, vis, lm = _landmarks(sim)
    p = sim.params
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:  # np.savez appends ".npz" to str paths; a file object keeps our name
        np.savez_compressed(fh, image=image, world=world, visibility=vis, landmarks=lm, fps=np.float32(p.fps),
                            width=np.int32(p.width), height=np.int32(p.height), label=np.str_(p.label))


def make_clip(out_dir: str | os.PathLike, label: str, seed: int, index: int, *, render: bool = True,
              **overrides: Any) -> ClipRecord:
    """Simulate one clip and write its files; returns its manifest row."""
    out = Path(out_dir)
    sim = simulate(label, seed, index, **overrides)
    p = sim.params
    name = clip_name(p.label, p.seed, p.index)
    lm_rel = f"{p.label}/{name}.landmarks.npz"
    _save_landmarks(out / lm_rel, sim)
    path = lm_rel
    if render:
        path = f"{p.label}/{name}.mp4"
        write_video(out / path, render_frames(sim), p.fps)
    return ClipRecord(path=path, label=p.label, seed=p.seed, index=p.index,
                      source=NEGATIVE_SOURCE if is_negative(p.label) else SOURCE,
                      group=f"synth-{p.seed}-{slug(p.label)}-{p.index:04d}", width=p.width, height=p.height,
                      fps=p.fps, frames=p.frames, duration_s=round(p.duration_s, 4), landmarks=lm_rel,
                      params=p.to_dict())


def _make_clip_job(job: tuple) -> ClipRecord:
    out_dir, label, seed, index, render, overrides = job
    return make_clip(out_dir, label, seed, index, render=render, **overrides)


def write_manifest(out_dir: str | os.PathLike, records: list[ClipRecord]) -> Path:
    path = Path(out_dir) / "manifest.csv"
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
        w.writeheader()
        for r in records:
            w.writerow(r.to_row())
    return path


def generate_library(out_dir: str | os.PathLike, classes: list[str] | tuple[str, ...] | None, per_class: int,
                     seed: int, *, render: bool = True, fps: int | None = None,
                     resolution: tuple[int, int] | None = None, duration_s: float | None = None,
                     noise: float = 0.0, workers: int | None = None) -> list[ClipRecord]:
    """Write ``per_class`` clips of each class (default: all 22) plus ``manifest.csv`` under ``out_dir``.

    ``render=False`` writes only the landmark npz files (fast path). ``workers`` > 1 renders clips in parallel
    processes (default: up to the CPU count when rendering, 1 otherwise). Output is the same for any worker count.
    """
    names = list(classes) if classes else list(CLASSES)
    negatives = {n: negative_label(n) for n in names if negative_label(n)}
    canonical = dict(zip([n for n in names if n not in negatives],
                         normalise_labels([n for n in names if n not in negatives])))
    labels = [negatives.get(n) or canonical[n] for n in names]
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    if resolution is not None and (len(resolution) != 2 or min(resolution) < 16 or any(v % 2 for v in resolution)):
        raise ValueError(f"resolution must be two even sizes >= 16, got {resolution}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    overrides = {k: v for k, v in (("fps", fps), ("resolution", resolution), ("duration_s", duration_s),
                                   ("noise", noise)) if v}
    jobs = [(str(out), lbl, int(seed), i, render, overrides) for lbl in dict.fromkeys(labels) for i in range(per_class)]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if render else 1
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        records = []
        for k, job in enumerate(jobs):
            records.append(_make_clip_job(job))
            log.info("synth clip %d/%d: %s", k + 1, len(jobs), records[-1].path)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            records = list(pool.map(_make_clip_job, jobs))
    write_manifest(out, records)
    return records
