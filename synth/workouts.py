"""Long multi-exercise workout clips with segment and rep ground truth (fast landmark path).

Why: per-video analysis (finding the exercise segments of a long video, counting reps in each, flagging motions that
are none of the 22 classes) needs videos that look like a real session -- one person and one fixed camera, several
sets with rests between them -- and exact truth for every second of it. A workout is assembled from *pieces* on one
timeline, each producing per-frame angles (see :mod:`.motions` / :mod:`.negatives`), a planted foot, a heading and the
support rule(s) that ground it:

- a **set**: the exercise's own program (:func:`.motions.pose_track`, or :func:`.negatives.key_track` for a negative)
  with N reps (longer than the 2-4 of the single clips), a short settle at the start pose before the first rep and
  after the last one;
- a **rest** between sets (:func:`_rest_piece`): ease out of the last pose into standing, stand about idly (weight
  shifts, looking around, sometimes pacing a few steps and back: the ``standing`` / ``walking`` negatives at lower
  amplitude), turn to the next station's heading, ease into the next start pose. Between two sets of the same posture
  and support (bench press -> incline bench press) the person may instead stay where they are, breathing and shifting
  a little. Getting up from a bench or dropping into a plank is a cut-free move inside the rest;
- the **lead-in** before the first set: stepping in to the station (a stride, landing on the spot), small adjustments,
  then easing into the start pose. No piece outside a set has a repeated start -> peak -> start excursion, so
  nothing but a set looks like reps.

The body is forward-kinematics'd once for the whole clip; each support rule grounds it and the grounded copies are
blended with the per-frame support weights (only during transitions do two differ). The camera is placed once for
the whole clip; each set turns the body to a heading that gives its posture a view MediaPipe reads
(:data:`.camera.POSTURE_RULES`), which also tells the camera's elevation range (the intersection over the sets).

Truth (:class:`TruthSegment`): segments cover the clip in order without gaps; an exercise (or negative) segment runs
from the start of its first rep to the end of its last rep (held or non-counting motions: from reaching the position /
starting the motion to leaving it); everything else is ``"rest"``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .body import Skeleton, sample_body
from .camera import POSTURE_RULES, CameraParams, fit_camera
from .generate import FPS_CHOICES, FPS_WEIGHTS, RES_WEIGHTS, RESOLUTIONS, is_negative, synth_label
from .landmarks import add_detector_noise, landmark_positions, to_mediapipe
from .motions import MotionSpec, Support, Tempo, build_skeleton, motion_spec, pose_track, rep_windows
from .negatives import (TRACK_KEYS, Key, NegativeSpec, _gait, _idle_keys, apply_placement, key_track,
                        negative_rep_windows, negative_spec, plant_steps, xpose)

REST = "rest"
FEET = Support("feet")
WORKOUT_TAG = 0x574F524B   # "WORK": keeps workout seeds apart from the single clips'


@dataclass(frozen=True)
class TruthSegment:
    start_s: float
    end_s: float
    label: str                          # a class, "rest", or a negative motion name
    reps: int
    rep_times_s: tuple[float, ...]      # turning point of each rep (see motions.rep_times), clip time


@dataclass
class WorkoutClip:
    landmarks: np.ndarray   # float32 (T,33,4), like LandmarkClip.landmarks (detector-like noise if noise > 0)
    world: np.ndarray       # float32 (T,33,3)
    fps: int
    width: int
    height: int
    segments: list[TruthSegment]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return int(self.landmarks.shape[0])

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    @property
    def rep_times_s(self) -> tuple[float, ...]:
        """Every rep's turning point in the clip, in time order."""
        return tuple(t for s in self.segments for t in s.rep_times_s)

    @property
    def labels(self) -> list[str]:
        """The performed sets' labels in order (rests left out)."""
        return [s.label for s in self.segments if s.label != REST]


@dataclass
class _Piece:
    """A stretch of the timeline: per-frame angles and what grounds and places them."""

    kind: str                                   # "set", "rest", "lead"
    angles: dict[str, np.ndarray]
    plant_l: np.ndarray
    yaw: np.ndarray
    hop: np.ndarray
    stick: np.ndarray                           # 1 where the planted foot carries the body (standing, walking)
    supports: list[tuple[Support, np.ndarray]]  # support rule -> weight per frame
    truth: list[tuple[float, float, str, int, tuple[float, ...]]] = field(default_factory=list)  # piece time
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.plant_l)


def _full(angles: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """All TRACK_KEYS (the exercise programs do not use the optional ones: 0)."""
    return {k: np.asarray(angles[k], dtype=float) if k in angles else np.zeros(n) for k in TRACK_KEYS}


def _at(angles: dict[str, np.ndarray], i: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in angles.items()}


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _standing_posture(spec: MotionSpec | NegativeSpec) -> bool:
    return spec.support.kind == "feet" and spec.posture in ("upright", "upright_side")


def _heading(spec, rng: np.random.Generator) -> tuple[float, float]:
    """Body heading (deg) for a set seen by a camera on the world +z axis, and the view's azimuth relative to the
    body: within the posture's camera rule (MediaPipe reads it), side drawn at random."""
    rule = POSTURE_RULES[spec.posture]
    rel = float(rng.uniform(*rule.azimuth)) * (1.0 if rng.random() < 0.5 else -1.0)
    return -rel, rel


# ----------------------------------------------------------------------------------------------------- sets
def _set_piece(label: str, rng: np.random.Generator, fps: int, n_reps: int) -> _Piece:
    """One set of ``n_reps`` reps of ``label``: settle, reps, settle; the body turned so that the camera's view suits
    the posture (walking across the frame keeps its own heading)."""
    negative = is_negative(label)
    spec = negative_spec(label, rng) if negative else motion_spec(label, rng)
    heading, rel = (spec.heading, 90.0) if getattr(spec, "heading", 0.0) else _heading(spec, rng)
    pre, post = float(rng.uniform(0.4, 0.9)), float(rng.uniform(0.4, 0.9))
    sway = float(rng.uniform(0.5, 2.0))
    if negative:
        rom = float(rng.uniform(*spec.rom))
        cycle = spec.cycle_s * float(rng.uniform(0.9, 1.1))
        if spec.counts:
            cycles = math.ceil(n_reps / spec.reps_per_cycle)
            tempo = Tempo(reps=cycles * spec.reps_per_cycle, rep_s=cycle, lead_s=pre, up_frac=0.0, hold_frac=0.0,
                          rom=rom)
        else:   # walking / standing / stretching: about 2 s per "rep" asked for, nothing counted
            cycles = max(0.5, n_reps * 2.0 / cycle)
            tempo = Tempo(reps=0, rep_s=cycle, lead_s=pre, up_frac=0.0, hold_frac=0.0, rom=rom)
        active = cycles * cycle
        n = int(round((pre + active + post) * fps))
        tr = key_track(spec, tempo, fps, n, rng, sway, cycles=cycles)
        angles, plant, hop = tr.angles, tr.plant_l, tr.hop
        yaw = tr.yaw if spec.heading else tr.yaw + heading
        stick = np.ones(n) if spec.support.kind == "feet" else np.zeros(n)
        windows = negative_rep_windows(spec, tempo)
        span = (pre, pre + active)
    else:
        rep_s = float(rng.uniform(*spec.rep_s))
        up, hold, rom = float(rng.uniform(0.3, 0.4)), float(rng.uniform(0.0, 0.1)), float(rng.uniform(0.85, 1.05))
        if spec.static:   # a plank is held for about as long as N reps would take
            tempo = Tempo(reps=0, rep_s=rep_s, lead_s=pre, up_frac=up, hold_frac=hold, rom=rom)
            active = max(n_reps, 3) * rep_s
        else:
            # a twist's reps are touches, two per period: an odd count asked for is rounded up to whole periods
            n_reps = 2 * math.ceil(n_reps / 2) if spec.two_way else n_reps
            tempo = Tempo(reps=n_reps, rep_s=rep_s, lead_s=pre, up_frac=up, hold_frac=hold, rom=rom)
            active = (math.ceil(n_reps / 2) if spec.alternate or spec.two_way else n_reps) * rep_s
        n = int(round((pre + active + post) * fps))
        angles = pose_track(spec, tempo, fps, n, rng, sway)
        plant, hop, yaw, stick = np.full(n, 0.5), np.zeros(n), np.full(n, heading), np.zeros(n)
        windows = rep_windows(tempo, static=spec.static, alternate=spec.alternate, two_way=spec.two_way)
        span = (windows[0].start, windows[-1].end) if windows else (pre, pre + active)
    truth = [(span[0], span[1], label, len(windows), tuple(w.turn for w in windows))]
    info = {"label": label, "variant": spec.variant, "heading": round(heading, 3), "view_azimuth": round(rel, 3),
            "sway_deg": round(sway, 4),
            "tempo": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(tempo).items()}}
    return _Piece("set", _full(angles, n), plant, hop=hop, yaw=yaw, stick=stick,
                  supports=[(spec.support, np.ones(n))], truth=truth, info=info | {"spec": spec})


# ---------------------------------------------------------------------------------------------------- rests
def _idle_track(rng: np.random.Generator, fps: int, n: int, walk: bool) -> tuple[dict, np.ndarray, np.ndarray]:
    """Standing about for ``n`` frames (low-amplitude ``standing`` keys), optionally pacing a few steps out and back
    first. Angles, planted-foot weight and yaw offset (pacing turns around)."""
    keys = _idle_keys(rng, int(rng.integers(3, 6)), amp=0.6)
    # no per-track angle offsets (jitter 0): pieces of a rest then join exactly at their common key 0 (standing)
    idle = NegativeSpec(REST, tuple(keys), cycle_s=sum(k.move + k.hold for k in keys), jitter=0.0)
    t0 = Tempo(reps=0, rep_s=idle.cycle_s, lead_s=0.0, up_frac=0.0, hold_frac=0.0, rom=1.0)
    walk_n = 0
    if walk:
        from .negatives import _walking
        for _ in range(8):   # pacing, not marching in place (that would be the "walking" negative itself)
            w = _walking(rng)
            if w.variant == "pacing":
                walk_n = int(round(w.cycle_s * fps))
                break
    if walk_n and walk_n < n - int(1.0 * fps):
        tw = key_track(replace(w, heading=0.0, jitter=0.0), replace(t0, rep_s=w.cycle_s), fps, walk_n, rng, 0.5,
                       cycles=1)
        ti = key_track(idle, t0, fps, n - walk_n, rng, 0.5)
        # the pacing cycle ends standing at its key 0, where the idle keys start
        angles = {k: np.concatenate([tw.angles[k], ti.angles[k]]) for k in TRACK_KEYS}
        plant = np.concatenate([tw.plant_l, ti.plant_l])
        yaw = np.concatenate([tw.yaw, ti.yaw])
        return angles, plant, yaw
    ti = key_track(idle, t0, fps, n, rng, 0.5)
    return ti.angles, ti.plant_l, ti.yaw


def _rest_piece(rng: np.random.Generator, fps: int, prev: _Piece | None, nxt: _Piece, rest_s: float) -> _Piece:
    """The rest before ``nxt`` (or the lead-in when ``prev`` is None), cut-free from ``prev``'s last frame to
    ``nxt``'s first frame."""
    nspec = nxt.info["spec"]
    end_pose, end_sup, end_yaw = _at(nxt.angles, 0), nxt.supports[0][0], float(nxt.yaw[0])
    if prev is not None:
        pspec = prev.info["spec"]
        start_pose, start_sup, start_yaw = _at(prev.angles, prev.n - 1), prev.supports[0][0], float(prev.yaw[-1])
        same_station = (pspec.posture == nspec.posture and start_sup == end_sup and not _standing_posture(pspec))
        if same_station and rng.random() < 0.6:   # stay on the bench / mat: breathe, shift a little
            n = max(2, int(round(rest_s * fps)))
            u = _smooth(np.arange(n) / max(n - 1, 1))
            angles = {}
            for k in TRACK_KEYS:
                wob = rng.uniform(0.5, 1.5) * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * np.arange(n) / fps
                                                     + rng.uniform(0, 2 * np.pi)) * np.sin(np.pi * u)
                angles[k] = start_pose[k] + u * (end_pose[k] - start_pose[k]) + wob
            return _Piece("rest", angles, np.full(n, 0.5), yaw=start_yaw + u * (end_yaw - start_yaw), hop=np.zeros(n),
                          stick=np.zeros(n), supports=[(start_sup, np.ones(n))], info={"mode": "stay"})
    # ease out of the previous pose into standing, stand about (maybe pace), ease into the next start pose
    d_out = 0.0 if prev is None else (1.0 if _standing_posture(prev.info["spec"]) else 2.2) * rng.uniform(0.8, 1.3)
    d_in = (1.0 if _standing_posture(nspec) else 2.2) * rng.uniform(0.8, 1.3)
    lead_walk = 0.0
    if prev is None:   # stepping in: one stride towards the station, feet together on the spot
        gait = _gait(rng, float(rng.uniform(14, 20)), float(rng.uniform(8, 15)))
        step_keys = ((Key(xpose(), 0.35, hold=0.3, plant="r"),) + tuple(gait)
                     + (Key(xpose(), 0.35, hold=0.2, plant="r"),))
        step = NegativeSpec("step in", step_keys, cycle_s=sum(k.move + k.hold for k in step_keys), spline=True,
                            jitter=0.0)
        lead_walk = step.cycle_s
    n = max(2, int(round(max(rest_s, d_out + d_in + lead_walk + 0.8) * fps)))
    t = np.arange(n) / fps
    walk = prev is not None and rest_s > 7.0 and rng.random() < 0.5
    if prev is None:   # the stride, then standing about from the same standing pose
        nw = int(round(lead_walk * fps))
        tw = key_track(step, replace(_T0, rep_s=step.cycle_s), fps, nw, rng, 0.5, cycles=1)
        idle, plant, idle_yaw = _idle_track(rng, fps, n - nw, False)
        idle = {k: np.concatenate([tw.angles[k], idle[k]]) for k in TRACK_KEYS}
        plant, idle_yaw = np.concatenate([tw.plant_l, plant]), np.concatenate([np.zeros(nw), idle_yaw])
        start_pose, start_sup, start_yaw = _at(idle, 0), FEET, end_yaw
    else:
        idle, plant, idle_yaw = _idle_track(rng, fps, n, walk)
    w_prev = 1.0 - _smooth(t / d_out) if d_out > 0 else np.zeros(n)
    w_next = _smooth((t - (t[-1] - d_in)) / d_in)
    w_idle = 1.0 - w_prev - w_next
    angles = {k: w_prev * start_pose[k] + w_next * end_pose[k] + w_idle * idle[k] for k in TRACK_KEYS}
    # turn to the next heading while standing (between the two transitions)
    turn = _smooth((t - d_out - lead_walk) / max(t[-1] - d_in - d_out - lead_walk, 1e-6))
    yaw = start_yaw + turn * (end_yaw - start_yaw) + w_idle * idle_yaw
    supports = _blend_supports([(start_sup, w_prev), (FEET, w_idle), (end_sup, w_next)])
    return _Piece("lead" if prev is None else "rest", angles, plant, yaw=yaw, hop=np.zeros(n), stick=w_idle,
                  supports=supports, info={"mode": "stand" + (" and pace" if walk else "")})


_T0 = Tempo(reps=0, rep_s=1.0, lead_s=0.0, up_frac=0.0, hold_frac=0.0, rom=1.0)


def _tail_piece(rng: np.random.Generator, fps: int, prev: _Piece) -> _Piece:
    """A second or two after the last set: ease back to standing (or just stay put)."""
    pspec = prev.info["spec"]
    d = (1.0 if _standing_posture(pspec) else 2.2) * rng.uniform(0.8, 1.3)
    n = int(round((d + rng.uniform(0.5, 1.5)) * fps))
    t = np.arange(n) / fps
    idle, plant, _ = _idle_track(rng, fps, n, False)
    start = _at(prev.angles, prev.n - 1)
    w = 1.0 - _smooth(t / d)
    angles = {k: w * start[k] + (1 - w) * idle[k] for k in TRACK_KEYS}
    return _Piece("rest", angles, plant, yaw=np.full(n, float(prev.yaw[-1])), hop=np.zeros(n), stick=1 - w,
                  supports=_blend_supports([(prev.supports[0][0], w), (FEET, 1 - w)]), info={"mode": "stand"})


def _blend_supports(supports: list[tuple[Support, np.ndarray]]) -> list[tuple[Support, np.ndarray]]:
    """A "level" support (plank, push-up, hip thrust) pitches the whole body to reach its contact heights, which is
    only defined once the body is near horizontal: while getting down or up it only takes over late (weight cubed),
    the feet rule grounds the rest of the move."""
    out = []
    for sup, w in supports:
        if sup.kind == "level":
            out += [(sup, w ** 3), (FEET, w - w ** 3)]
        else:
            out.append((sup, w))
    return out


# ------------------------------------------------------------------------------------------------- assembly
class _SupportOnly:
    def __init__(self, support: Support):
        self.support = support


def _ground(body, angles: dict[str, np.ndarray], pieces: list[_Piece]) -> Skeleton:
    """Forward kinematics once, grounded by every support rule in use, blended by their per-frame weights."""
    weights: dict[Support, np.ndarray] = {}
    T = sum(p.n for p in pieces)
    o = 0
    for p in pieces:
        for sup, w in p.supports:
            weights.setdefault(sup, np.zeros(T))[o:o + p.n] += w
        o += p.n
    total = sum(weights.values())
    out: Skeleton | None = None
    for sup, w in weights.items():
        if not w.any():
            continue
        sk = build_skeleton(_SupportOnly(sup), body, angles)
        w = (w / np.maximum(total, 1e-9))
        if out is None:
            out = Skeleton(body=body, joints={k: v * w[:, None] for k, v in sk.joints.items()},
                           frames={k: v * w[:, None, None] for k, v in sk.frames.items()},
                           vectors={k: v * w[:, None] for k, v in sk.vectors.items()})
        else:
            for k in out.joints:
                out.joints[k] = out.joints[k] + sk.joints[k] * w[:, None]
            for k in out.frames:
                out.frames[k] = out.frames[k] + sk.frames[k] * w[:, None, None]
            for k in out.vectors:
                out.vectors[k] = out.vectors[k] + sk.vectors[k] * w[:, None]
    assert out is not None
    for k in out.vectors:   # a blend of two unit vectors is shorter: renormalise
        out.vectors[k] = out.vectors[k] / np.maximum(np.linalg.norm(out.vectors[k], axis=-1, keepdims=True), 1e-9)
    return out


def workout_clip(labels: Sequence[str], seed: int, index: int = 0, *, rest_s: tuple[float, float] = (3.0, 8.0),
                 reps: tuple[int, int] = (4, 8), fps: int | None = None, resolution: tuple[int, int] | None = None,
                 noise: float = 1.0) -> WorkoutClip:
    """One person, one camera: a set of N reps (N drawn from ``reps``, inclusive) of each of ``labels`` in order (a
    class or a negative motion; repeats allowed), a rest of ``rest_s`` seconds between sets, a lead-in before the
    first. Same arguments -> same clip. See the module doc for what each piece looks like and the truth's rules."""
    labels = [synth_label(lbl) for lbl in labels]
    if not labels:
        raise ValueError("a workout needs at least one set")
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, WORKOUT_TAG, int(index),
                                 zlib.crc32("|".join(labels).encode())])
    names = ("body", "timing", "camera", "sets", "rests", "noise")
    rngs = {n: np.random.default_rng(s) for n, s in zip(names, ss.spawn(len(names)))}
    body = sample_body(rngs["body"])
    fps = int(fps or rngs["timing"].choice(FPS_CHOICES, p=FPS_WEIGHTS))
    res = resolution or RESOLUTIONS[int(rngs["timing"].choice(len(RESOLUTIONS), p=RES_WEIGHTS))]
    width, height = int(res[0]), int(res[1])

    set_seeds = np.random.SeedSequence(int(rngs["sets"].integers(2**63))).spawn(len(labels))
    set_rngs = [np.random.default_rng(s) for s in set_seeds]
    sets = []
    for lbl, r in zip(labels, set_rngs):
        sets.append(_set_piece(lbl, r, fps, int(r.integers(reps[0], reps[1] + 1))))

    pieces: list[_Piece] = []
    rr = rngs["rests"]
    for i, s in enumerate(sets):
        pieces.append(_rest_piece(rr, fps, sets[i - 1] if i else None, s,
                                  float(rr.uniform(*rest_s)) if i else float(rr.uniform(1.0, 2.0))))
        pieces.append(s)
    pieces.append(_tail_piece(rr, fps, sets[-1]))

    T = sum(p.n for p in pieces)
    angles = {k: np.concatenate([p.angles[k] for p in pieces]) for k in TRACK_KEYS}
    plant, yaw, hop, stick = (np.concatenate([getattr(p, a) for p in pieces])
                              for a in ("plant_l", "yaw", "hop", "stick"))
    sk = _ground(body, angles, pieces)

    # the path: the planted foot carries the body while standing / walking; at the start of every set the body is
    # back at the station (residual drift from pacing is walked off linearly during the rest before)
    path = np.cumsum(plant_steps(sk, plant, yaw) * stick[:, None], axis=0)
    starts = np.cumsum([0] + [p.n for p in pieces])
    anchor_t, anchor_v = [], []
    for p, a in zip(pieces, starts):
        if p.kind == "set":
            anchor_t += [a, a + p.n - 1]
            anchor_v += [path[a], path[a]]
    correction = np.stack([np.interp(np.arange(T), anchor_t, [v[c] for v in anchor_v]) for c in range(3)], axis=-1)
    apply_placement(sk, yaw, path - correction, hop)

    # one camera for everything: elevation within every set's rule (the intersection, else its middle)
    rules = [POSTURE_RULES[s.info["spec"].posture] for s in sets] + [POSTURE_RULES["upright"]]
    lo, hi = max(r.elevation[0] for r in rules), min(r.elevation[1] for r in rules)
    rc = rngs["camera"]
    el = float(rc.uniform(lo, hi)) if lo <= hi else (lo + hi) / 2
    up = POSTURE_RULES["upright"]
    cam_params = CameraParams(azimuth=0.0, elevation=el, fov=float(rc.uniform(*up.fov)),
                              fill=float(rc.uniform(0.7, 0.85)))
    pts = landmark_positions(sk)
    camera = fit_camera(pts.reshape(-1, 3), cam_params, width, height, replace(up, max_width_fill=0.88))
    image, world, vis = to_mediapipe(sk, camera)
    lm = add_detector_noise(np.concatenate([image, vis[..., None]], axis=-1), rngs["noise"], noise)

    segments = _segments(pieces, starts, fps, T)
    params = {
        "seed": int(seed), "index": int(index), "labels": labels, "fps": fps, "width": width, "height": height,
        "frames": T, "duration_s": round(T / fps, 4), "noise": float(noise), "body": body.to_dict(),
        "camera": cam_params.to_dict(),
        "sets": [{k: v for k, v in s.info.items() if k != "spec"} for s in sets],
        "rests": [p.info["mode"] for p in pieces if p.kind != "set"],
    }
    return WorkoutClip(landmarks=lm.astype(np.float32), world=world.astype(np.float32), fps=fps, width=width,
                       height=height, segments=segments, params=params)


def _segments(pieces: list[_Piece], starts: np.ndarray, fps: int, T: int) -> list[TruthSegment]:
    """Truth segments covering [0, T / fps] without gaps: each set's span, "rest" in between (merged)."""
    out: list[TruthSegment] = []
    cursor = 0.0
    for p, a in zip(pieces, starts):
        t0 = a / fps
        for s, e, label, n, times in p.truth:
            s, e = t0 + s, t0 + e
            if s > cursor:
                out.append(TruthSegment(round(cursor, 6), round(s, 6), REST, 0, ()))
            out.append(TruthSegment(round(s, 6), round(e, 6), label, n, tuple(round(t0 + x, 6) for x in times)))
            cursor = e
    end = T / fps
    if end > cursor:
        out.append(TruthSegment(round(cursor, 6), round(end, 6), REST, 0, ()))
    return out
