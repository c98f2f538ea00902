"""Motions that are none of the 22 classes ("negatives"): walking, standing about, stretching, jumping jacks, lunges,
arm circles -- ground truth for "this is not an exercise we know" and the material rests are made of.

Why a separate registry: the 22 programs are a start and a peak pose blended by a rep profile, which cannot describe a
gait, a circle or a sequence of held stretches. A negative is instead a *cycle of key poses* (:class:`Key`), the way
an animator blocks a motion: each key says how long the body holds it, how long it takes to move on, which foot stays
planted meanwhile (so feet do not slide and walking actually travels), whether the body leaves the floor (jumping) and
which way it faces (turning around while pacing). Keys that are a turning point a coach would count (the open
position of a jumping jack, the bottom of each lunge, the top of each arm circle) carry ``rep=True``; walking,
standing and stretching count nothing. Names must not be among the 22 classes, so a negative can never be mistaken
for a class label.

The engine (:func:`key_track`) reuses the exercise programs' noise model -- a per-clip offset and a slow sway on
every angle -- and :func:`place` applies the planted foot, hop and heading after the usual grounding
(:func:`.motions.build_skeleton`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..classes import CLASSES
from .body import EXTRA_KEYS, POSE_KEYS, Skeleton, _rot_y
from .motions import NEUTRAL, Pose, RepWindow, Support, Tempo, _smooth, _u, pose

NEUTRAL_X: Pose = {**NEUTRAL, **{k: 0.0 for k in EXTRA_KEYS}}
TRACK_KEYS: tuple[str, ...] = POSE_KEYS + EXTRA_KEYS


def xpose(base: Pose | None = None, **angles: float) -> Pose:
    """:func:`.motions.pose` that also knows the optional angles (``spine_lean``, ``neck_twist``)."""
    return pose(NEUTRAL_X if base is None else base, **angles)


@dataclass(frozen=True)
class Key:
    """One key pose of a cycle. ``hold`` and ``move`` are relative durations (the cycle is scaled to its period).

    plant: the foot that stays put while holding this key and moving to the next -- "l", "r" or "both" (the point
           between the ankles). Switch it only at a key where both feet are down.
    hop:   metres the body rises (half a sine) while moving to the next key: a jump from this key to the next.
    yaw:   heading in degrees at this key (+ turns the body's front towards world +x), added to the clip's heading.
    rep:   this key is a turning point that counts as one repetition (its time is the middle of its hold).
    """

    pose: Pose
    move: float
    hold: float = 0.0
    plant: str = "both"
    hop: float = 0.0
    yaw: float = 0.0
    rep: bool = False


@dataclass(frozen=True)
class NegativeSpec:
    """What one non-exercise motion looks like (duck-types the fields of :class:`.motions.MotionSpec` that the camera,
    the grounding and the renderer read)."""

    label: str
    cycle: tuple[Key, ...]            # key 0 is also the pose held during the lead-in: make it a calm one
    cycle_s: float                    # seconds per cycle
    posture: str = "upright"
    support: Support = Support("feet")
    spline: bool = False              # periodic cubic through the keys (gaits, circles) instead of ease in/out
    heading: float = 0.0              # degrees, the whole clip (walking across the frame)
    rom: tuple[float, float] = (0.85, 1.05)   # per-clip amplitude range (1 = the keys as written)
    jitter: float = 1.0               # scales the per-clip angle offsets and the sway (poses with two feet down: less)
    variant: str = "standard"
    props: tuple[str, ...] = ()
    static: bool = False
    alternate: bool = False
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def reps_per_cycle(self) -> int:
        return sum(k.rep for k in self.cycle)

    @property
    def counts(self) -> bool:
        """Whether a rep counter should count anything in this motion."""
        return self.reps_per_cycle > 0


NegativeProgram = Callable[[np.random.Generator], NegativeSpec]
_NEGATIVES: dict[str, NegativeProgram] = {}
_CLASS_KEYS = {re.sub(r"[\s_\-]+", "", c) for c in CLASSES}


def _nkey(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def register_negative(label: str) -> Callable[[NegativeProgram], NegativeProgram]:
    """Register a non-exercise motion; its name must not be (a spelling of) one of the 22 classes."""
    if _nkey(label) in _CLASS_KEYS:
        raise ValueError(f"{label!r} is one of the 22 classes, not a negative motion")

    def deco(fn: NegativeProgram) -> NegativeProgram:
        _NEGATIVES[label] = fn
        return fn
    return deco


def negative_spec(label: str, rng: np.random.Generator) -> NegativeSpec:
    return _NEGATIVES[label](rng)


def negative_label(name: str) -> str | None:
    """The canonical negative name for ``name`` ("Jumping_Jacks" -> "jumping jacks"), or None if it is not one."""
    k = _nkey(name)
    return next((n for n in _NEGATIVES if _nkey(n) == k), None)


def negative_index(label: str) -> int:
    """A stable number per negative for seeding (registration order; far from the 22 class indices)."""
    return 1000 + list(_NEGATIVES).index(label)


# ------------------------------------------------------------------------------------------------ programs
def _arms_swing(forward: str, swing: float, bend: float) -> dict[str, float]:
    """Arm ``forward`` swung forward by ``swing`` degrees (elbow a little bent), the other back (walking: the arm
    opposite the forward leg)."""
    back = "r" if forward == "l" else "l"
    return {f"uarm_f_{forward}": swing, f"farm_f_{forward}": swing + bend, f"uarm_f_{back}": -swing,
            f"farm_f_{back}": -swing + bend * 0.3, "uarm_a": 8, "farm_a": 8}


def _gait(rng, stride: float, swing: float, plant_first: str = "l", yaw: float = 0.0) -> list[Key]:
    """One stride (two steps) as four keys: heel strike, passing, heel strike, passing (spline-interpolated)."""
    knee = _u(rng, 50, 65)
    t = _u(rng, 0.22, 0.3)   # seconds per key

    def strike(front: str, back: str) -> Pose:
        arms = _arms_swing(back, swing, 20)
        return xpose(root_pitch=3, **{f"thigh_f_{front}": stride, f"shin_f_{front}": stride - 4,
                                     f"foot_pf_{front}": -8, f"thigh_f_{back}": -stride * 0.6,
                                     f"shin_f_{back}": -stride * 0.6 - 12, f"foot_pf_{back}": 8}, **arms)

    def passing(stance: str, swinging: str) -> Pose:
        return xpose(root_pitch=3, **{f"thigh_f_{stance}": -4, f"shin_f_{stance}": -6, f"thigh_f_{swinging}": 18,
                                     f"shin_f_{swinging}": 18 - knee, f"foot_pf_{swinging}": 5}, uarm_f=2, farm_f=10)

    other = "r" if plant_first == "l" else "l"
    return [Key(strike(plant_first, other), t, plant=plant_first, yaw=yaw),
            Key(passing(plant_first, other), t, plant=plant_first, yaw=yaw),
            Key(strike(other, plant_first), t, plant=other, yaw=yaw),
            Key(passing(other, plant_first), t, plant=other, yaw=yaw)]


def _turn(rng, yaw_from: float, yaw_to: float) -> list[Key]:
    """Turning on the spot in two small steps, left foot then right, feet down in between (follows a gait whose last
    key has the right foot planted, and hands back to one that starts with a left heel strike)."""
    t = _u(rng, 0.28, 0.38)
    lift = {s: xpose(**{f"thigh_f_{s}": 25, f"shin_f_{s}": -15, f"foot_pf_{s}": 10}) for s in ("l", "r")}
    half = (yaw_from + yaw_to) / 2
    return [Key(lift["l"], t, plant="r", yaw=yaw_from + (yaw_to - yaw_from) / 4), Key(xpose(), t, plant="l", yaw=half),
            Key(lift["r"], t, plant="l", yaw=yaw_to - (yaw_to - yaw_from) / 4), Key(xpose(), t, plant="r", yaw=yaw_to)]


@register_negative("walking")
def _walking(rng):
    """Marching in place (knees up, arms swinging) or pacing: a few steps across the frame, turn, walk back."""
    if rng.random() < 0.4:
        lift, t, swing = _u(rng, 35, 60), _u(rng, 0.25, 0.35), _u(rng, 15, 30)

        def up(side: str) -> Pose:
            other = "r" if side == "l" else "l"
            return xpose(**{f"thigh_f_{side}": lift, f"shin_f_{side}": lift - _u(rng, 60, 80), f"foot_pf_{side}": 20,
                            f"uarm_f_{side}": -swing, f"uarm_f_{other}": swing, f"farm_f_{other}": swing + 30})
        keys = (Key(xpose(), t, plant="r"), Key(up("l"), t, plant="r"), Key(xpose(), t, plant="l"),
                Key(up("r"), t, plant="l"))
        return NegativeSpec("walking", keys, cycle_s=4 * t, variant="in place")
    stride, swing = _u(rng, 18, 26), _u(rng, 10, 25)
    strides = int(rng.integers(1, 3))
    keys: list[Key] = []
    for leg in range(2):
        yaw = 180.0 * leg
        for _ in range(strides):
            keys += _gait(rng, stride, swing, yaw=yaw)
        keys += _turn(rng, yaw, 180.0 - yaw)
    keys = keys[-1:] + keys[:-1]   # start (lead-in) standing, feet together, after the turn back
    heading = (1 if rng.random() < 0.5 else -1) * _u(rng, 70, 100)
    return NegativeSpec("walking", tuple(keys), cycle_s=sum(k.move for k in keys), spline=True, heading=heading,
                        variant="pacing")


def _idle_keys(rng, n: int, amp: float = 1.0) -> list[Key]:
    """Standing about: weight from foot to foot, looking around, hands on the hips or folded, a shrug -- held for a
    while, changed slowly (amplitudes scaled by ``amp``; rests use smaller ones)."""
    shift = _u(rng, 5, 9) * amp

    def weight(side: str) -> dict[str, float]:
        other = "r" if side == "l" else "l"
        return {f"thigh_a_{side}": 4 - shift, f"shin_a_{side}": 2 - shift, f"thigh_a_{other}": 4 + shift,
                f"shin_a_{other}": 2 + shift, f"thigh_f_{other}": 6 * amp, f"shin_f_{other}": -4 * amp,
                "spine_lean": (1 if side == "l" else -1) * -2 * amp}
    options = [
        lambda: xpose(**weight("l")),
        lambda: xpose(**weight("r")),
        lambda: xpose(neck_twist=_u(rng, 25, 55) * amp * (1 if rng.random() < 0.5 else -1), neck_flex=_u(rng, -8, 8)),
        lambda: xpose(neck_flex=_u(rng, 15, 30) * amp),                                  # looking down (phone, floor)
        lambda: xpose(uarm_f=-_u(rng, 0, 12), uarm_a=_u(rng, 38, 50), farm_f=_u(rng, 12, 25), farm_a=-_u(rng, 32, 42),
                      roll=90, **weight("l" if rng.random() < 0.5 else "r")),              # hands on the hips
        lambda: xpose(uarm_f=_u(rng, 10, 25), uarm_a=_u(rng, 10, 18), farm_f=_u(rng, 95, 110), farm_a=-_u(rng, 55, 70),
                      roll=0),                                                            # arms folded
        lambda: xpose(spine_twist=_u(rng, 10, 25) * amp * (1 if rng.random() < 0.5 else -1),
                      neck_twist=_u(rng, 10, 30) * amp),                                  # turning to look behind
    ]
    keys = [Key(xpose(), _u(rng, 0.8, 1.4), hold=_u(rng, 0.3, 1.2), plant="both")]
    for i in rng.permutation(len(options))[: n - 1]:
        keys.append(Key(options[int(i)](), _u(rng, 0.8, 1.6), hold=_u(rng, 0.5, 2.0), plant="both"))
    return keys


@register_negative("standing")
def _standing(rng):
    keys = _idle_keys(rng, int(rng.integers(3, 6)))
    return NegativeSpec("standing", tuple(keys), cycle_s=sum(k.move + k.hold for k in keys), variant="idle")


@register_negative("stretching")
def _stretching(rng):
    """A few static stretches, each eased into slowly and held: overhead reach, side bends, arm across the chest,
    triceps (hand behind the head). Nothing is repeated quickly, so no rep is counted."""
    reach = dict(uarm_f=_u(rng, 165, 178), uarm_a=_u(rng, 5, 15), farm_f=_u(rng, 170, 180), farm_a=_u(rng, 0, 10),
                 roll=90)
    bend = _u(rng, 18, 30)

    def across(side: str) -> Pose:   # arm straight across the chest, the other forearm pressing on it
        o = "r" if side == "l" else "l"
        return xpose(**{f"uarm_f_{side}": 90, f"uarm_a_{side}": -_u(rng, 35, 50), f"farm_f_{side}": 90,
                        f"farm_a_{side}": -_u(rng, 45, 60), f"roll_{side}": 0, f"uarm_f_{o}": 45, f"uarm_a_{o}": 5,
                        f"farm_f_{o}": 100, f"farm_a_{o}": -45}, neck_twist=(8 if side == "r" else -8))

    def triceps(side: str) -> Pose:  # elbow up, hand behind the head, the other hand on the elbow
        o = "r" if side == "l" else "l"
        return xpose(**{f"uarm_f_{side}": 160, f"uarm_a_{side}": 10, f"farm_f_{side}": -20, f"farm_a_{side}": -15,
                        f"uarm_f_{o}": 120, f"uarm_a_{o}": 10, f"farm_f_{o}": 165, f"farm_a_{o}": -55},
                     neck_flex=8, spine_lean=(-6 if side == "l" else 6))
    stretches = [
        lambda: [xpose(**reach, foot_pf=_u(rng, 0, 25))],
        lambda: [xpose(**reach, spine_lean=bend), xpose(**reach, spine_lean=-bend)],
        lambda: [across("l"), across("r")],
        lambda: [triceps("l"), triceps("r")],
    ]
    keys: list[Key] = [Key(xpose(), _u(rng, 1.0, 1.6), hold=_u(rng, 0.4, 1.0))]
    for i in rng.permutation(len(stretches))[: int(rng.integers(2, 4))]:
        for p in stretches[int(i)]():
            keys.append(Key(p, _u(rng, 1.2, 2.0), hold=_u(rng, 2.0, 4.0)))
    return NegativeSpec("stretching", tuple(keys), cycle_s=sum(k.move + k.hold for k in keys),
                        variant="static stretches")


@register_negative("jumping jacks")
def _jumping_jacks(rng):
    """Jump to feet apart with the arms overhead, jump back to feet together with the arms at the sides; the open
    position is the counted turning point."""
    hop, top, legs = _u(rng, 0.06, 0.14), _u(rng, 150, 175), _u(rng, 14, 22)
    closed = xpose(thigh_f=8, shin_f=-6, uarm_a=_u(rng, 6, 12), farm_a=_u(rng, 6, 14), roll=0)
    opened = xpose(thigh_f=8, shin_f=-6, thigh_a=legs, shin_a=legs - 2, uarm_a=top, farm_a=top + _u(rng, 0, 8),
                   uarm_f=_u(rng, 0, 15), farm_f=_u(rng, 0, 15), roll=0)
    hold = _u(rng, 0.05, 0.12)
    keys = (Key(closed, 0.5, hold=hold, hop=hop), Key(opened, 0.5, hold=hold, hop=hop, rep=True))
    return NegativeSpec("jumping jacks", keys, cycle_s=_u(rng, 0.8, 1.2))


@register_negative("lunge")
def _lunge(rng):
    """Forward lunges, alternating legs: step out, drop the back knee towards the floor, push back to standing.
    Each leg's lunge is one rep (its bottom is the turning point); the back foot stays planted."""
    # fitted so that the front heel and the back toes both reach the floor (within ~1 cm) for the sampled builds,
    # with the back knee ~10 cm above it
    front = _u(rng, 88, 92)
    knee_back = _u(rng, 88, 94)
    hands = (dict(uarm_f=0, uarm_a=40, farm_f=70, farm_a=-40, roll=90) if rng.random() < 0.5
             else dict(uarm_f=0, uarm_a=8, farm_f=6, farm_a=8))

    def bottom(side: str) -> Pose:
        b = "r" if side == "l" else "l"
        back_thigh = -_u(rng, 2, 6)
        return xpose(root_pitch=_u(rng, 0, 3), **hands, **{
            f"thigh_f_{side}": front, f"shin_f_{side}": -_u(rng, 1, 5), f"foot_pf_{side}": 0,
            f"thigh_f_{b}": back_thigh, f"shin_f_{b}": back_thigh - knee_back, f"foot_pf_{b}": -_u(rng, 45, 52),
            f"thigh_a_{side}": 6, f"thigh_a_{b}": 4})
    stand = xpose(**hands)
    t_down, t_up, hold = _u(rng, 0.8, 1.1), _u(rng, 0.7, 1.0), _u(rng, 0.1, 0.3)
    keys = (Key(stand, t_down, hold=hold, plant="r"), Key(bottom("l"), t_up, hold=hold, plant="r", rep=True),
            Key(stand, t_down, hold=hold, plant="l"), Key(bottom("r"), t_up, hold=hold, plant="l", rep=True))
    # full amplitude only: a shallower lunge would lift the front foot off the floor (both feet are on it at the bottom)
    return NegativeSpec("lunge", keys, cycle_s=sum(k.move + k.hold for k in keys), variant="forward, alternating",
                        rom=(1.0, 1.0), jitter=0.35)


@register_negative("arm circles")
def _arm_circles(rng):
    """Both arms held out to the sides, straight, drawing circles (forwards or backwards); each circle is one rep,
    counted at its top."""
    centre, r = _u(rng, 75, 95), _u(rng, 12, 35)
    d = 1 if rng.random() < 0.5 else -1
    keys = []
    for i in range(4):   # bottom (where the lead-in waits), front/back, top (counted), back/front
        th = math.pi + math.pi / 2 * i
        a, f = centre + r * math.cos(th), d * r * math.sin(th)
        keys.append(Key(xpose(uarm_a=a, farm_a=a + 3, uarm_f=f, farm_f=f + 3, roll=0), 1.0, rep=(i == 2)))
    return NegativeSpec("arm circles", tuple(keys), cycle_s=_u(rng, 0.7, 1.3), spline=True,
                        variant="forwards" if d > 0 else "backwards", extras={"radius": r})


NEGATIVE_MOTIONS: tuple[str, ...] = tuple(_NEGATIVES)


# -------------------------------------------------------------------------------------------------- engine
@dataclass
class KeyTrack:
    """A negative's per-frame angles plus what :func:`place` needs: planted foot weight, hop and heading."""

    angles: dict[str, np.ndarray]
    plant_l: np.ndarray   # 1 = left foot planted, 0 = right, 0.5 = the point between them
    hop: np.ndarray       # metres above the grounded position
    yaw: np.ndarray       # degrees


def _times(spec: NegativeSpec) -> tuple[np.ndarray, np.ndarray]:
    """Per key: phase (0..1) at which its hold starts and at which it starts moving on."""
    dur = np.array([[k.hold, k.move] for k in spec.cycle], dtype=float)
    total = dur.sum()
    starts = np.concatenate([[0.0], np.cumsum(dur.sum(axis=1))[:-1]]) / total
    return starts, starts + dur[:, 0] / total


def negative_rep_phases(spec: NegativeSpec) -> list[float]:
    """Phase within the cycle (0..1) of each counted turning point: the middle of the key's hold."""
    hold_at, move_at = _times(spec)
    return [float((h + m) / 2) for k, h, m in zip(spec.cycle, hold_at, move_at) if k.rep]


def negative_rep_times(spec: NegativeSpec, tempo: Tempo, end_s: float | None = None) -> list[float]:
    """Turning points (s) of a counting negative over ``tempo.reps`` reps (``tempo.rep_s`` = the cycle)."""
    return [w.turn for w in negative_rep_windows(spec, tempo, end_s)]


def negative_rep_windows(spec: NegativeSpec, tempo: Tempo, end_s: float | None = None) -> list[RepWindow]:
    """Each counted rep of a negative: from the key before its turning point to the key after it (when the body has
    moved on), turning point in the middle of its hold. Reps not finished by ``end_s`` are left out."""
    if not spec.counts or tempo.reps <= 0:
        return []
    hold_at, move_at = _times(spec)
    bounds = np.append(hold_at, 1.0)
    out = []
    for k in range(tempo.reps):
        c, j = divmod(k, spec.reps_per_cycle)
        i = [n for n, key in enumerate(spec.cycle) if key.rep][j]
        at = lambda ph: tempo.lead_s + (c + ph) * tempo.rep_s  # noqa: E731
        w = RepWindow(start=at(move_at[i - 1] if i > 0 else move_at[-1] - 1.0),
                      turn=at((hold_at[i] + move_at[i]) / 2), end=at(bounds[i + 1]))
        if end_s is not None and w.end > end_s + 1e-9:
            break
        out.append(w)
    return out


def cycles_for(spec: NegativeSpec, tempo: Tempo) -> float:
    """How many cycles the track runs: whole cycles covering ``tempo.reps`` for counting motions, else unlimited."""
    return math.ceil(tempo.reps / spec.reps_per_cycle) if spec.counts else math.inf


def key_track(spec: NegativeSpec, tempo: Tempo, fps: float, n_frames: int, rng: np.random.Generator,
              sway_deg: float, cycles: float | None = None) -> KeyTrack:
    """Per-frame angles of a negative: key 0 during the lead-in, then ``cycles`` cycles of the keys (default:
    :func:`cycles_for`), then the pose where the last cycle ended. ``tempo.rom`` scales every key's distance from key 0;
    a per-clip offset and a slow sway are added to every angle, like :func:`.motions.pose_track` does."""
    t = np.arange(n_frames) / fps
    cycles = cycles_for(spec, tempo) if cycles is None else cycles
    phi = np.clip((t - tempo.lead_s) / tempo.rep_s, 0.0, cycles)
    cyc = np.floor(phi)
    frac = phi - cyc
    if np.isfinite(cycles) and cycles == int(cycles):   # the end of the last cycle is key 0 (not phase 0 of a new one)
        last = phi >= cycles
        frac = np.where(last, 0.0, frac)
    hold_at, move_at = _times(spec)
    K = len(spec.cycle)
    idx = np.clip(np.searchsorted(hold_at, frac, side="right") - 1, 0, K - 1)
    nxt_start = np.append(hold_at[1:], 1.0)
    u = np.clip((frac - move_at[idx]) / np.maximum(nxt_start[idx] - move_at[idx], 1e-9), 0.0, 1.0)
    moving = frac >= move_at[idx]

    def interp(values: np.ndarray) -> np.ndarray:
        """Values (K,) at the keys -> per frame, periodic."""
        p0, p1 = values[idx], values[(idx + 1) % K]
        if not spec.spline:
            return p0 + _smooth(u) * (p1 - p0)
        # periodic Catmull-Rom (cardinal) through the keys, tangents from the neighbours
        pm, p2 = values[(idx - 1) % K], values[(idx + 2) % K]
        m0, m1 = (p1 - pm) / 2, (p2 - p0) / 2
        u2, u3 = u * u, u * u * u
        return ((2 * u3 - 3 * u2 + 1) * p0 + (u3 - 2 * u2 + u) * m0 + (-2 * u3 + 3 * u2) * p1 + (u3 - u2) * m1)

    base = spec.cycle[0].pose
    angles: dict[str, np.ndarray] = {}
    for key in TRACK_KEYS:
        vals = np.array([k.pose[key] for k in spec.cycle])
        a = base[key]
        offset = (rng.normal(0.0, 1.5) if key != "root_pitch" else rng.normal(0.0, 1.0)) * spec.jitter
        freq, phase = rng.uniform(0.15, 0.6), rng.uniform(0, 2 * np.pi)
        sway = spec.jitter * sway_deg * np.sin(2 * np.pi * freq * t + phase)
        angles[key] = a + tempo.rom * (interp(vals) - a) + offset + sway
    hop = np.where(moving, np.array([k.hop for k in spec.cycle])[idx] * np.sin(np.pi * u), 0.0)
    # feet point down in the air (a jump lands on the balls of the feet)
    for s in ("l", "r"):
        angles[f"foot_pf_{s}"] = angles[f"foot_pf_{s}"] + 250.0 * hop
    plant = np.array([{"l": 1.0, "r": 0.0, "both": 0.5}[k.plant] for k in spec.cycle])[idx]
    yaw = spec.heading + interp(np.array([k.yaw for k in spec.cycle]))
    return KeyTrack(angles=angles, plant_l=plant, hop=hop, yaw=yaw)


def plant_steps(sk: Skeleton, plant_l: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """(T,3) per-frame horizontal moves that keep the planted point (left ankle, right ankle or the point between,
    after turning the body to ``yaw``) where it was in the previous frame; their cumulative sum is the body's path."""
    rot = _rot_y(yaw)
    la, ra = sk.joints["ankle_l"], sk.joints["ankle_r"]
    w = plant_l[:, None]
    p = w * la + (1 - w) * ra                                                # planted point, body-relative
    prev = np.concatenate([p[:1], w[1:] * la[:-1] + (1 - w[1:]) * ra[:-1]])  # same foot, previous frame
    rot_prev = np.concatenate([rot[:1], rot[:-1]])
    step = np.einsum("tij,tj->ti", rot_prev, prev) - np.einsum("tij,tj->ti", rot, p)
    step[:, 1] = 0.0
    return step


def place(sk: Skeleton, plant_l: np.ndarray, yaw: np.ndarray, hop: np.ndarray, *, centre: bool = True) -> np.ndarray:
    """Turn the grounded body to its heading, keep the planted foot where it is and add the hop (in place).

    The grounding rule put the point between the ankles at x = z = 0 in every frame, which makes feet slide as soon as
    one leg steps. Here the body's horizontal offset is integrated frame by frame so that the planted point does not
    move in the world (:func:`plant_steps`): stepping forward with the other leg then carries the body forward, and a
    gait walks. ``centre`` centres the path on the spot the camera looks at. Returns the (T,3) offset applied."""
    offset = np.cumsum(plant_steps(sk, plant_l, yaw), axis=0)
    if centre:
        offset -= offset.mean(axis=0, keepdims=True) * np.array([1.0, 0.0, 1.0])
    apply_placement(sk, yaw, offset, hop)
    return offset


def apply_placement(sk: Skeleton, yaw: np.ndarray, offset: np.ndarray, hop: np.ndarray) -> None:
    """Rotate the body about the vertical through the origin by ``yaw``, then move it by ``offset`` + ``hop`` up."""
    sk.rotate_y_about(yaw, np.zeros(3))
    sk.translate(offset + np.stack([np.zeros_like(hop), hop, np.zeros_like(hop)], axis=-1))


def negative_timing(spec: NegativeSpec, rng: np.random.Generator, fps: int,
                    duration_s: float | None) -> tuple[Tempo, float, int]:
    """Like the exercises' timing: a short lead-in, whole cycles of a counting motion in about 3-6 s (an explicit
    ``duration_s`` fixes the length), a non-counting one simply runs for the clip (its ``reps`` is 0)."""
    lead = float(rng.uniform(0.2, 0.6))
    rom = float(rng.uniform(*spec.rom))
    tail = 0.3
    cycle = spec.cycle_s * float(rng.uniform(0.9, 1.1))
    if duration_s is not None:
        duration = float(duration_s)
        cycles = max(1, int((duration - lead - tail) // cycle)) if spec.counts else 0
    elif spec.counts:
        cycles = max(1, int((6.0 - lead - tail) // cycle))
        cycles = min(cycles, int(rng.integers(2, 5)))
        duration = float(np.clip(lead + cycles * cycle + tail, 3.0, 6.0))
    else:
        cycles = 0
        duration = float(rng.uniform(3.0, 6.0))
    frames = max(2, int(round(duration * fps)))
    return Tempo(reps=cycles * spec.reps_per_cycle, rep_s=cycle, lead_s=lead, up_frac=0.0, hold_frac=0.0,
                 rom=rom), duration, frames


def is_negative(label: str) -> bool:
    return label in _NEGATIVES


def negative_names() -> Sequence[str]:
    return NEGATIVE_MOTIONS
