"""One motion program per exercise class, and the engine that turns it into a grounded 3D skeleton per frame.

Why a registry of small declarative programs: each class is described the way a coach would check it -- the
posture (standing, seated, lying on a flat/incline/decline bench, hanging, on the floor), a *start* and a *peak*
pose as named joint angles (see :mod:`.body`), how the body is supported (feet planted, hands on a bar, hands and
toes on the floor ...) and the props. The engine blends start -> peak with a tempo profile, scales it by the
clip's range of motion, adds sway, runs forward kinematics and grounds the body. The look-alike pairs are kept
apart on purpose, by the same cue a coach would use:

- deadlift bends the knees ~70-80 deg at the bottom, romanian deadlift keeps them at ~10-20 deg with a deeper hinge;
- barbell curl: supinated grip, hands a bar's width apart; hammer curl: neutral grip, dumbbells at the thighs;
- pull up hangs from a bar (feet off the floor); lat pulldown sits on a seat;
- bench press bends and straightens the elbows along a vertical path; chest fly keeps the elbows at a fixed bend and
  sweeps the arms in an arc, seated upright;
- flat / incline (torso 30-45 deg up) / decline (head 15-25 deg down) bench press differ by the torso angle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..classes import CLASSES
from .body import GLOBAL_KEYS, POSE_KEYS, SIDE_KEYS, SIDES, BodyParams, Skeleton, forward_kinematics

Pose = dict[str, float]

NEUTRAL: Pose = {
    "root_pitch": 0.0, "spine_flex": 0.0, "spine_twist": 0.0, "neck_flex": 0.0,
    **{f"{k}_{s}": v for s in SIDES for k, v in {
        "thigh_f": 0.0, "thigh_a": 4.0, "shin_f": 0.0, "shin_a": 2.0, "foot_pf": 0.0,
        "uarm_f": 0.0, "uarm_a": 9.0, "farm_f": 6.0, "farm_a": 8.0, "roll": 0.0}.items()},
}


def pose(base: Pose | None = None, **angles: float) -> Pose:
    """A full pose from ``base`` (default: standing, arms hanging) with overrides.

    A per-side key without suffix (``uarm_f=90``) sets both sides; ``uarm_f_l=90`` sets one.
    """
    out = dict(NEUTRAL if base is None else base)
    for k, v in angles.items():
        if k in SIDE_KEYS:
            for s in SIDES:
                out[f"{k}_{s}"] = float(v)
        elif k in out:
            out[k] = float(v)
        else:
            raise KeyError(f"unknown pose angle {k!r}")
    return out


@dataclass(frozen=True)
class Support:
    """How the body meets the world; applied per frame after forward kinematics.

    kind:
      "feet"   -- the lowest foot point touches the floor, the mid-ankle stays at x = z = 0 (standing, seated).
      "pelvis" -- the hip centre sits at ``height`` (feet free: leg extension, leg raises, russian twist, decline).
      "anchor" -- the midpoint of the ``a`` points is fixed at ``point`` (hands on a pull-up bar or dip bars).
      "level"  -- the whole body is pitched so that the ``a`` points rest at ``height`` and the ``b`` points at
                  ``height_b`` (hands/forearms and toes for push-up and plank, shoulders on a bench and feet on
                  the floor for the hip thrust).
    """

    kind: str
    height: float = 0.0
    a: tuple[str, ...] = ()
    b: tuple[str, ...] = ()
    height_b: float = 0.0
    point: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class MotionSpec:
    """What one exercise looks like. Angles in degrees, see :mod:`.body` for their meaning."""

    label: str
    posture: str                      # camera rule key, see camera.POSTURE_RULES
    start: Pose
    peak: Pose
    support: Support
    rep_s: tuple[float, float] = (1.6, 2.6)   # seconds per repetition
    props: tuple[str, ...] = ()
    static: bool = False              # held position (plank): no reps, only breathing sway
    alternate: bool = False           # right side runs half a rep behind (alternating dumbbell work)
    two_way: bool = False             # both ends are reps (a twist to one side, then back to the other)
    variant: str = "standard"
    extras: dict[str, float] = field(default_factory=dict)  # prop geometry (bar height, seat height ...)


MotionProgram = Callable[[np.random.Generator], MotionSpec]
_REGISTRY: dict[str, MotionProgram] = {}


def register(label: str) -> Callable[[MotionProgram], MotionProgram]:
    """Class decorator-style registration; the label must be one of the 22 canonical classes."""
    if label not in CLASSES:
        raise ValueError(f"{label!r} is not a canonical class")

    def deco(fn: MotionProgram) -> MotionProgram:
        _REGISTRY[label] = fn
        return fn
    return deco


def motion_spec(label: str, rng: np.random.Generator) -> MotionSpec:
    """The (randomised) motion program of ``label``."""
    return _REGISTRY[label](rng)


def registered() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


# --------------------------------------------------------------------------------------------------- standing
@register("squat")
def _squat(rng):
    hold_bar = rng.random() < 0.5
    arms = (dict(uarm_f=-25, uarm_a=55, farm_f=190, farm_a=15, roll=90) if hold_bar
            else dict(uarm_f=80, uarm_a=10, farm_f=85, farm_a=4, roll=90))
    stance = _u(rng, 8, 16)
    depth = _u(rng, 95, 118)
    lean = _u(rng, 25, 40)
    start = pose(thigh_a=stance, shin_a=stance - 4, **arms)
    peak_arms = dict(arms, uarm_f=arms["uarm_f"] + (0 if hold_bar else lean), farm_f=arms["farm_f"] + (0 if hold_bar else lean))
    peak = pose(start, root_pitch=lean, thigh_f=depth, thigh_a=stance + 8, shin_f=lean - 30, **peak_arms)
    return MotionSpec("squat", "upright", start, peak, Support("feet"), (1.8, 2.8),
                      props=("barbell",) if hold_bar else (), variant="back squat" if hold_bar else "bodyweight")


def _hinge(label: str, rng, *, pitch: tuple[float, float], knee: tuple[float, float], thigh_world: float) -> MotionSpec:
    """Deadlift family: trunk pitches forward by ``pitch``, knees flex by ``knee``, arms hang vertically."""
    lean, knee_flex = _u(rng, *pitch), _u(rng, *knee)
    thigh_f = lean + thigh_world
    shin_f = thigh_f - knee_flex
    grip = dict(uarm_a=7, farm_a=7, roll=90)
    start = pose(spine_flex=0, thigh_a=6, shin_a=4, uarm_f=0, farm_f=0, **grip)
    peak = pose(start, root_pitch=lean, thigh_f=thigh_f, shin_f=shin_f, uarm_f=lean, farm_f=lean, neck_flex=-15)
    return MotionSpec(label, "upright_side", start, peak, Support("feet"), (2.0, 3.0), props=("barbell",),
                      extras={"knee_flex": knee_flex})


@register("deadlift")
def _deadlift(rng):
    return _hinge("deadlift", rng, pitch=(50, 62), knee=(65, 85), thigh_world=_u(rng, 45, 58))


@register("romanian deadlift")
def _rdl(rng):
    return _hinge("romanian deadlift", rng, pitch=(68, 82), knee=(8, 20), thigh_world=_u(rng, 5, 14))


def _curl(label: str, rng, *, roll: float, uarm_a: float, farm_a: float, props: tuple[str, ...],
          alternate: bool) -> MotionSpec:
    start = pose(uarm_f=2, uarm_a=uarm_a, farm_f=8, farm_a=farm_a, roll=roll)
    peak = pose(start, uarm_f=_u(rng, 10, 22), farm_f=_u(rng, 130, 148))
    return MotionSpec(label, "upright", start, peak, Support("feet"), (1.6, 2.4), props=props,
                      alternate=alternate, variant="alternating" if alternate else "both arms")


@register("barbell biceps curl")
def _barbell_curl(rng):
    # Supinated (palms forward) grip on a straight bar, hands about shoulder width or a bit wider.
    return _curl("barbell biceps curl", rng, roll=-90, uarm_a=_u(rng, 8, 12), farm_a=_u(rng, 12, 18),
                 props=("barbell",), alternate=False)


@register("hammer curl")
def _hammer_curl(rng):
    # Neutral (thumbs forward/up) grip on two dumbbells held close to the thighs.
    return _curl("hammer curl", rng, roll=0, uarm_a=_u(rng, 3, 6), farm_a=_u(rng, 0, 4),
                 props=("dumbbells",), alternate=bool(rng.random() < 0.5))


@register("shoulder press")
def _shoulder_press(rng):
    seated = rng.random() < 0.5
    base = pose(thigh_f=90, shin_f=0, thigh_a=10) if seated else pose()
    start = pose(base, uarm_f=15, uarm_a=80, farm_f=178, farm_a=-4, roll=90)
    peak = pose(start, uarm_f=172, uarm_a=_u(rng, 14, 22), farm_f=178, farm_a=_u(rng, 2, 10))
    return MotionSpec("shoulder press", "upright", start, peak, Support("feet"), (1.8, 2.6),
                      props=("dumbbells",) + (("seat",) if seated else ()), variant="seated" if seated else "standing")


@register("lateral raise")
def _lateral_raise(rng):
    start = pose(uarm_f=5, uarm_a=12, farm_f=12, farm_a=14)
    top = _u(rng, 78, 92)
    peak = pose(start, uarm_f=12, uarm_a=top, farm_f=22, farm_a=top + 2)
    return MotionSpec("lateral raise", "upright", start, peak, Support("feet"), (1.8, 2.6), props=("dumbbells",))


@register("tricep pushdown")
def _pushdown(rng):
    lean = _u(rng, 5, 15)
    start = pose(root_pitch=lean, uarm_f=lean + 5, uarm_a=6, farm_f=_u(rng, 100, 115), farm_a=-8, roll=90,
                 thigh_f=lean + 5, shin_f=lean - 5)
    peak = pose(start, farm_f=lean + _u(rng, 0, 10), farm_a=-2)
    return MotionSpec("tricep pushdown", "upright", start, peak, Support("feet"), (1.5, 2.2), props=("cable_bar",))


@register("t bar row")
def _tbar_row(rng):
    lean = _u(rng, 40, 55)
    knee = _u(rng, 20, 35)
    start = pose(root_pitch=lean, thigh_f=lean + 10, shin_f=lean + 10 - knee, thigh_a=10, shin_a=8,
                 uarm_f=lean, uarm_a=4, farm_f=lean, farm_a=-6, roll=0, neck_flex=-20)
    peak = pose(start, uarm_f=lean - _u(rng, 40, 55), uarm_a=14, farm_f=lean + 5, farm_a=-10)
    return MotionSpec("t bar row", "upright_side", start, peak, Support("feet"), (1.5, 2.2), props=("tbar",))


# --------------------------------------------------------------------------------------------------- seated
SEATED = dict(thigh_f=90.0, shin_f=0.0, thigh_a=10.0, shin_a=6.0)


@register("lat pulldown")
def _lat_pulldown(rng):
    recline = _u(rng, -18, -8)
    start = pose(root_pitch=recline, thigh_f=90 + recline, shin_f=recline + 5, thigh_a=10,
                 uarm_f=168, uarm_a=_u(rng, 30, 40), farm_f=175, farm_a=_u(rng, 28, 36), roll=90)
    peak = pose(start, uarm_f=-15, uarm_a=70, farm_f=168, farm_a=-10)
    return MotionSpec("lat pulldown", "upright", start, peak, Support("feet"), (1.8, 2.6),
                      props=("seat", "pulldown_bar"))


@register("chest fly machine")
def _chest_fly(rng):
    bend = _u(rng, 15, 30)
    start = pose(**SEATED, uarm_f=85, uarm_a=_u(rng, 75, 85), farm_f=88, farm_a=0, roll=0)
    start = pose(start, farm_a=start["uarm_a_l"] - bend)
    peak = pose(start, uarm_f=88, uarm_a=_u(rng, 18, 26))
    peak = pose(peak, farm_a=peak["uarm_a_l"] - bend - 25)
    return MotionSpec("chest fly machine", "upright", start, peak, Support("feet"), (1.8, 2.6),
                      props=("seat", "back_pad"), extras={"elbow_bend": bend})


@register("leg extension")
def _leg_extension(rng):
    recline = _u(rng, -15, -5)
    thigh = 90 + recline - _u(rng, 0, 5)
    start = pose(root_pitch=recline, thigh_f=thigh, shin_f=recline - _u(rng, 0, 10), thigh_a=6, shin_a=4, foot_pf=-5,
                 uarm_f=-5, uarm_a=22, farm_f=25, farm_a=18)
    peak = pose(start, shin_f=thigh - _u(rng, 5, 15))
    return MotionSpec("leg extension", "upright_side", start, peak, Support("pelvis", height=0.62), (1.6, 2.4),
                      props=("seat",))


# --------------------------------------------------------------------------------------------------- hanging
@register("pull up")
def _pull_up(rng):
    start = pose(uarm_f=172, uarm_a=_u(rng, 22, 32), farm_f=178, farm_a=_u(rng, 20, 28), roll=90,
                 thigh_f=_u(rng, 5, 20), shin_f=-_u(rng, 20, 50), foot_pf=30)
    peak = pose(start, uarm_f=-10, uarm_a=68, farm_f=170, farm_a=-12, neck_flex=-10)
    return MotionSpec("pull up", "upright", start, peak, Support("anchor", a=("palm_l", "palm_r"), point=(0.0, 2.25, 0.0)),
                      (2.0, 2.8), props=("pullup_bar",))


@register("tricep dips")
def _dips(rng):
    lean = _u(rng, 8, 20)
    start = pose(root_pitch=lean, uarm_f=lean - 5, uarm_a=12, farm_f=lean, farm_a=10, roll=0,
                 thigh_f=lean + _u(rng, 5, 25), shin_f=lean - _u(rng, 30, 70), foot_pf=30)
    peak = pose(start, uarm_f=lean - _u(rng, 55, 70), uarm_a=18, farm_f=lean + 10, farm_a=10)
    return MotionSpec("tricep dips", "upright", start, peak, Support("anchor", a=("palm_l", "palm_r"), point=(0.0, 1.25, 0.0)),
                      (1.6, 2.4), props=("dip_bars",))


# --------------------------------------------------------------------------------------------------- lying
def _bench_arms(rng) -> tuple[Pose, Pose]:
    """Bar at the chest (elbows out and below the torso) vs arms locked out, in the torso frame."""
    grip = _u(rng, 10, 16)
    bottom = dict(uarm_f=-68, uarm_a=50, farm_f=90, farm_a=-4, roll=90)
    top = dict(uarm_f=92, uarm_a=grip, farm_f=92, farm_a=grip - 2)
    return bottom, top


def _press(label: str, rng, *, pitch: float, legs: Pose, support: Support, props: tuple[str, ...]) -> MotionSpec:
    bottom, top = _bench_arms(rng)
    start = pose(root_pitch=pitch, **legs, **top)
    peak = pose(start, **bottom)
    return MotionSpec(label, "lying", start, peak, support, (1.8, 2.8), props=props, extras={"torso_pitch": pitch})


@register("bench press")
def _bench_press(rng):
    return _press("bench press", rng, pitch=-90, legs=dict(thigh_f=-15, shin_f=-95, thigh_a=20, shin_a=12),
                  support=Support("feet"), props=("barbell", "bench"))


@register("incline bench press")
def _incline(rng):
    pitch = -(90 - _u(rng, 30, 45))
    return _press("incline bench press", rng, pitch=pitch,
                  legs=dict(thigh_f=90 + pitch, shin_f=pitch, thigh_a=18, shin_a=10),
                  support=Support("feet"), props=("barbell", "bench"))


@register("decline bench press")
def _decline(rng):
    pitch = -(90 + _u(rng, 15, 25))
    return _press("decline bench press", rng, pitch=pitch, legs=dict(thigh_f=30, shin_f=-55, thigh_a=12, shin_a=8),
                  support=Support("pelvis", height=0.72), props=("barbell", "bench"))


@register("hip thrust")
def _hip_thrust(rng):
    arms = dict(uarm_f=15, uarm_a=22, farm_f=60, farm_a=0, roll=90)
    start = pose(root_pitch=-60, thigh_f=_u(rng, 55, 70), shin_f=-40, thigh_a=14, shin_a=8, **arms)
    peak = pose(start, thigh_f=_u(rng, -5, 5), shin_f=-88)
    return MotionSpec("hip thrust", "lying", start, peak,
                      Support("level", a=("upper_back",), height=0.42, b=("heel_l", "heel_r"), height_b=0.0),
                      (1.6, 2.4), props=("barbell", "cross_bench"))


@register("leg raises")
def _leg_raises(rng):
    start = pose(root_pitch=-90, thigh_f=_u(rng, 5, 12), shin_f=0, foot_pf=40, uarm_f=0, uarm_a=14, farm_f=-5,
                 farm_a=16, roll=90)
    start = pose(start, shin_f=start["thigh_f_l"] - 3)
    top = _u(rng, 80, 95)
    peak = pose(start, thigh_f=top, shin_f=top - _u(rng, 3, 15))
    return MotionSpec("leg raises", "lying", start, peak, Support("pelvis", height=0.1), (1.8, 2.8))


@register("plank")
def _plank(rng):
    start = pose(root_pitch=90, uarm_f=90, uarm_a=6, farm_f=178, farm_a=-10, roll=0, foot_pf=5,
                 thigh_a=6, shin_a=4, neck_flex=_u(rng, -35, -15))
    peak = pose(start, thigh_f=_u(rng, 3, 8), spine_flex=-_u(rng, 2, 5))  # slight hip hike / sag while breathing
    return MotionSpec("plank", "prone", start, peak,
                      Support("level", a=("elbow_l", "elbow_r"), height=0.045, b=("toe_l", "toe_r")),
                      (3.0, 4.5), static=True)


@register("push-up")
def _push_up(rng):
    width = _u(rng, 12, 20)
    start = pose(root_pitch=90, uarm_f=90, uarm_a=width, farm_f=90, farm_a=width - 2, roll=90, foot_pf=0,
                 neck_flex=_u(rng, -35, -15))
    peak = pose(start, uarm_f=-50, uarm_a=width + 25, farm_f=82, farm_a=width - 6)
    return MotionSpec("push-up", "prone_high", start, peak,
                      Support("level", a=("palm_l", "palm_r"), height=0.02, b=("toe_l", "toe_r")), (1.4, 2.2))


# --------------------------------------------------------------------------------------------------- floor seated
@register("russian twist")
def _russian_twist(rng):
    twist = _u(rng, 30, 45)
    base = pose(root_pitch=-_u(rng, 35, 45), thigh_f=_u(rng, 55, 70), shin_f=-_u(rng, 5, 25), thigh_a=10, shin_a=6,
                uarm_f=70, uarm_a=25, farm_f=95, farm_a=-45, roll=0)
    start = pose(base, spine_twist=-twist)
    peak = pose(base, spine_twist=twist)
    return MotionSpec("russian twist", "floor_seated", start, peak, Support("pelvis", height=0.11), (1.4, 2.2),
                      two_way=True)


# ==================================================================================================== engine
@dataclass(frozen=True)
class Tempo:
    """Timing of one clip: lead-in, reps, rep period, fraction of the rep spent going up / holding at the peak.

    ``reps`` is the number of repetitions a rep counter should report (see :func:`rep_times`): 0 for a held position
    (plank), one per arm movement for alternating work (so ``reps`` = 2 per ``rep_s`` period there).
    """

    reps: int
    rep_s: float
    lead_s: float
    up_frac: float
    hold_frac: float
    rom: float           # 1.0 = the program's full range of motion


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def rep_profile(t: np.ndarray, tempo: Tempo) -> np.ndarray:
    """0 at the start pose, 1 at the peak: lead-in, then per rep: rise, hold, return (1.25x slower), rest."""
    p = (t - tempo.lead_s) / tempo.rep_s
    active = (p >= 0) & (p < tempo.reps)
    ph = np.mod(np.maximum(p, 0.0), 1.0)
    up, hold = tempo.up_frac, tempo.hold_frac
    down = _down_frac(up, hold)
    rise = _smooth(ph / up)
    fall = 1.0 - _smooth((ph - up - hold) / down)
    s = np.where(ph < up, rise, np.where(ph < up + hold, 1.0, fall))
    return np.where(active, s, 0.0)


def _down_frac(up: float, hold: float) -> float:
    return max(min(1.25 * up, 1.0 - up - hold), 0.05)  # eccentric a bit slower; the rest of the period is rest


@dataclass(frozen=True)
class RepWindow:
    """One repetition in clip time (seconds): leaves the start pose, turning point (middle of the hold at the peak),
    back at the start pose."""

    start: float
    turn: float
    end: float


def rep_windows(tempo: Tempo, *, static: bool = False, alternate: bool = False, two_way: bool = False,
                end_s: float | None = None) -> list[RepWindow]:
    """Every repetition :func:`pose_track` performs for ``tempo``, in time order (see :func:`rep_times`)."""
    if static or tempo.reps <= 0:
        return []
    out = []
    for k in range(tempo.reps):
        if two_way:   # period k // 2: out to the peak side (even k), then back to the start side (odd k)
            start = tempo.lead_s + (k // 2) * tempo.rep_s
            peak_end = start + (tempo.up_frac + tempo.hold_frac) * tempo.rep_s
            back = peak_end + _down_frac(tempo.up_frac, tempo.hold_frac) * tempo.rep_s
            w = (RepWindow(start=start, turn=start + (tempo.up_frac + tempo.hold_frac / 2) * tempo.rep_s,
                           end=peak_end) if k % 2 == 0 else RepWindow(start=peak_end, turn=back, end=back))
            if end_s is not None and w.end > end_s + 1e-9:
                break
            out.append(w)
            continue
        if alternate:   # movement k: arm k % 2 (left first), in period k // 2, the right arm half a period later
            up, hold = tempo.up_frac / 2, tempo.hold_frac / 2
            start = tempo.lead_s + (k // 2) * tempo.rep_s + (k % 2) * tempo.rep_s / 2
        else:
            up, hold = tempo.up_frac, tempo.hold_frac
            start = tempo.lead_s + k * tempo.rep_s
        w = RepWindow(start=start, turn=start + (up + hold / 2) * tempo.rep_s,
                      end=start + (up + hold + _down_frac(up, hold)) * tempo.rep_s)
        if end_s is not None and w.end > end_s + 1e-9:
            break
        out.append(w)
    return out


def rep_times(tempo: Tempo, *, static: bool = False, alternate: bool = False, two_way: bool = False,
              end_s: float | None = None) -> list[float]:
    """Ground truth for rep counting: the time (s) of each repetition's turning point, in time order.

    The turning point is the middle of the hold at the peak pose: ``lead_s + k * rep_s + (up_frac + hold_frac / 2) *
    rep_s`` -- where the moving joint angle is at its extreme (the profile is exactly 1 over the whole hold).

    - ``static`` (plank): a held position has no repetitions -> ``[]`` (its breathing sway is not a rep).
    - ``alternate`` (alternating dumbbell curls): each arm's curl is one rep, so a period ``rep_s`` holds two -- the
      left arm's, then the right arm's half a period later -- and ``tempo.reps`` counts arm movements; the turning
      points of both arms are listed together, in time order. (A lifter counting "left + right = 1" would report half.)
    - ``two_way`` (russian twist): the touch on each side is one rep, as athletes count a twist, so a period holds
      two -- the peak side at the middle of the hold, then the start side when the trunk arrives back -- and
      ``tempo.reps`` counts touches (always even: whole periods). The start side the clip opens on is the ready
      position, not a rep.
    - ``end_s``: the time of the clip's last frame; a rep that has not returned to the start pose by then is cut off
      by the clip and not listed (nor are the ones after it). Clips the generator draws itself never cut a rep, but an
      explicit short ``duration_s`` can.

    Pure function of its arguments: the same numbers :func:`pose_track` uses.
    """
    return [w.turn for w in rep_windows(tempo, static=static, alternate=alternate, two_way=two_way, end_s=end_s)]


def pose_track(spec: MotionSpec, tempo: Tempo, fps: float, n_frames: int, rng: np.random.Generator,
               sway_deg: float) -> dict[str, np.ndarray]:
    """Per-frame angles: start + s(t) * rom * (peak - start) + a per-clip offset + slow sway on every angle."""
    t = np.arange(n_frames) / fps
    if spec.static:
        s = s_r = 0.5 - 0.5 * np.cos(2 * np.pi * t / tempo.rep_s)
    elif spec.alternate:
        # each arm works for half of the rep period while the other rests, the right one half a rep later;
        # tempo.reps counts arm movements, the left arm starts (so it does one more when the count is odd)
        half = replace(tempo, up_frac=tempo.up_frac / 2, hold_frac=tempo.hold_frac / 2)
        s = rep_profile(t, replace(half, reps=(tempo.reps + 1) // 2))
        s_r = rep_profile(t - tempo.rep_s / 2, replace(half, reps=tempo.reps // 2))
    elif spec.two_way:   # tempo.reps counts touches, two per period
        s = s_r = rep_profile(t, replace(tempo, reps=tempo.reps // 2))
    else:
        s = s_r = rep_profile(t, tempo)
    out: dict[str, np.ndarray] = {}
    for key in POSE_KEYS:
        a, b = spec.start[key], spec.peak[key]
        blend = s_r if key.endswith("_r") else s
        offset = rng.normal(0.0, 1.5) if key not in GLOBAL_KEYS[:1] else rng.normal(0.0, 1.0)
        freq = rng.uniform(0.15, 0.6)
        phase = rng.uniform(0, 2 * np.pi)
        sway = sway_deg * np.sin(2 * np.pi * freq * t + phase)
        out[key] = a + tempo.rom * blend * (b - a) + offset + sway
    return out


def build_skeleton(spec: MotionSpec, body: BodyParams, angles: dict[str, np.ndarray]) -> Skeleton:
    """Forward kinematics plus the support rule: the body ends up standing on / hanging from the world."""
    sk = forward_kinematics(body, angles)
    sup = spec.support
    if sup.kind == "level":
        _level(sk, sup)
    pts = contact_points(sk)
    if sup.kind in ("feet", "level"):
        names = ("heel_l", "heel_r", "toe_l", "toe_r") if sup.kind == "feet" else sup.b
        floor = np.min(np.stack([pts[n][:, 1] for n in names]), axis=0) - (sup.height_b if sup.kind == "level" else 0.0)
        anchor_xz = np.mean(np.stack([pts[n] for n in names]), axis=0) if sup.kind == "level" else \
            (sk.joints["ankle_l"] + sk.joints["ankle_r"]) / 2
        sk.translate(np.stack([-anchor_xz[:, 0], -floor, -anchor_xz[:, 2]], axis=-1))
    elif sup.kind == "pelvis":
        p = sk.joints["pelvis"]
        sk.translate(np.stack([-p[:, 0], sup.height - p[:, 1], -p[:, 2]], axis=-1))
    elif sup.kind == "anchor":
        mid = np.mean(np.stack([pts[n] for n in sup.a]), axis=0)
        sk.translate(np.asarray(sup.point) - mid)
    else:
        raise ValueError(f"unknown support {sup.kind!r}")
    return sk


def contact_points(sk: Skeleton) -> dict[str, np.ndarray]:
    """Surface points the support rules and props use (soles, palms, the upper back), in world metres."""
    s = sk.body.scale
    out: dict[str, np.ndarray] = {}
    for side in SIDES:
        ankle, fd, fu = sk.joints[f"ankle_{side}"], sk.vectors[f"foot_dir_{side}"], sk.vectors[f"foot_up_{side}"]
        out[f"heel_{side}"] = ankle - 0.05 * s * fd - 0.075 * s * fu
        out[f"toe_{side}"] = ankle + 0.15 * s * fd - 0.07 * s * fu
        wrist, hd = sk.joints[f"wrist_{side}"], sk.vectors[f"hand_dir_{side}"]
        out[f"palm_{side}"] = wrist + 0.05 * s * hd
        out[f"elbow_{side}"] = sk.joints[f"elbow_{side}"]
    torso = sk.frames["torso"]
    out["upper_back"] = sk.joints["neck_base"] - 0.1 * s * torso[:, :, 1] - 0.11 * s * sk.body.girth * torso[:, :, 2]
    return out


def _level(sk: Skeleton, sup: Support) -> None:
    """Pitch the body about the world x axis so that ``a`` sits ``height - height_b`` above ``b`` (per frame)."""
    pts = contact_points(sk)
    a = np.mean(np.stack([pts[n] for n in sup.a]), axis=0)
    b = np.mean(np.stack([pts[n] for n in sup.b]), axis=0)
    v = a - b
    length = np.maximum(np.hypot(v[:, 1], v[:, 2]), 1e-6)
    current = np.degrees(np.arctan2(v[:, 1], v[:, 2] * np.sign(v[:, 2] + 1e-9)))
    wanted = np.degrees(np.arcsin(np.clip((sup.height - sup.height_b) / length, -1, 1)))
    # rotating about +x by +angle moves +z towards +y when v points along -z, and the opposite along +z
    direction = -np.sign(v[:, 2] + 1e-9)
    sk.rotate_x_about(direction * (wanted - current), b)
