"""Repetition counting from the periodic motion of the joint that carries the exercise.

Why turning points with a *relative* prominence rather than a fixed angle threshold or a frequency estimate: people
move through very different ranges (a half squat and a deep one are both squats), clips hold 1 to 30 reps, and sets
start with set-up motion (walking to the bar, unracking, settling on the bench) and contain pauses. A rep is a
turning point of the main joint's angle whose prominence is a good part of the joint's range in this stretch; small
wiggles while getting into position have a fraction of a real rep's prominence and are dropped against the median
rep (ghost reps), and a pause only lengthens the gap between two turning points. Which side of the cycle is the
turning point follows from where the set rests: a squatter starts, ends and pauses standing (knee straight), so the
reps are the knee angle's minima; where a clip starts and ends mid-rep, the exercise's known rest side decides
(:class:`.movements.Movement` ``rests``), and so does it for a set found in a longer video, whose ends are the
set-up and the walk-off.

Left and right are read together: the mean of both sides when they move together (less noise), the moving side
alone for one-arm work, and each side counted on its own when they alternate (alternating dumbbell curls: every
arm's movement is one rep). Pure numpy/scipy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .movements import ANY_JOINTS, movement
from .signals import SIDED_JOINTS, VideoSignals, fill_gaps, sampling_rate, smooth

MIN_RANGE_DEG = 15.0        # a joint moving less than this (p5..p95) does no reps
MIN_PERIOD_S = 0.6          # two turning points closer than this are one rep
PROMINENCE_OF_RANGE = 0.35  # a turning point must stand out by this share of the joint's range ...
GHOST_OF_MEDIAN = 0.5       # ... and by this share of the median rep's prominence (set-up motion is smaller)
MIN_DETECTED = 0.5          # below this share of frames with a pose, no count is attempted
PERIOD_SHARE = 0.5          # turning points closer than this share of the dominant period are one rep
PERIODIC_AT = 0.3           # autocorrelation needed before a dominant period is trusted
EDGE_TOUCH_DEPTH = 0.6      # a two-way touch at a clip edge counts at this share of the side's median touch


@dataclass(frozen=True)
class Reps:
    """The repetitions found in one stretch of video."""

    count: int
    times_s: tuple[float, ...]                 # the turning point of each rep, in video time
    bounds: tuple[tuple[int, int], ...]        # (start, stop) frame indices of each rep within the stretch
    joint: str | None                          # the joint that was counted
    side: str | None                           # "both", "left", "right" or "alternating"
    tempo_s: float | None                      # median seconds per rep (None: fewer than 2 reps and no duration)
    polarity: int = 0                          # +1: the reps were the joint's maxima, -1 its minima, 0 not known

    @classmethod
    def none(cls, joint: str | None = None) -> "Reps":
        return cls(0, (), (), joint, None, None)


def _prepared(x: np.ndarray, fps: float) -> np.ndarray:
    return smooth(fill_gaps(x), fps)


def _robust_range(x: np.ndarray) -> float:
    if not np.isfinite(x).any():
        return 0.0
    lo, hi = np.nanpercentile(x, [5, 95])
    return float(hi - lo)


def turning_points(x: np.ndarray, fps: float, *, min_range: float = MIN_RANGE_DEG,
                   min_period_s: float = MIN_PERIOD_S, polarity: int | None = None,
                   rests: str | None = None, known_first: bool = False) -> tuple[np.ndarray, np.ndarray, int]:
    """Rep turning points of one continuous, smoothed signal.

    Returns ``(indices, prominences, polarity)``; polarity +1 when the reps are the signal's maxima, -1 minima
    (found from where the set rests unless given). ``rests`` ("high"/"low", the exercise's known rest side, see
    :class:`.movements.Movement`) decides where the clip's own ends cannot, and first of all with ``known_first``
    (a set cut out of a longer video: its ends are the set-up and the walk-off, not where the reps rest).
    """
    from scipy.signal import find_peaks

    x = np.asarray(x, np.float64)
    r = _robust_range(x)
    if len(x) < 3 or r < min_range:
        return np.zeros(0, np.int64), np.zeros(0), 1
    lo, hi = np.percentile(x, [5, 95])
    mid = (lo + hi) / 2
    # reps are on the side the joint does *not* rest on; a set starts and ends at rest, so the clip's ends say
    # where rest is, unless they sit mid-range (a clip cut mid-rep), then where the joint spends its time does
    k = max(2, min(int(round(0.5 * fps)), len(x) // 10))
    ends = float(np.median(np.r_[x[:k], x[-k:]]))
    # (the exercise's known rest side if it has one: a lateral raise cut mid-raise spends as long up as down, and
    # the median put its reps at the bottoms, measured on a real clip)
    known = {"high": hi, "low": lo}.get(rests or "")
    if known is not None and known_first:
        rest = known
    else:
        rest = ends if abs(ends - mid) >= 0.15 * r else known if known is not None else float(np.median(x))
    if polarity is None:
        polarity = -1 if rest > mid else 1
    y = polarity * x
    idx, props = find_peaks(y, prominence=max(PROMINENCE_OF_RANGE * r, min_range * 0.8),
                            distance=max(1, int(round(min_period_s * fps))))
    prom = props["prominences"]
    period = dominant_period(x, fps)
    if period is not None and len(idx) > 1 and period * PERIOD_SHARE > min_period_s:
        # a bounce at the bottom of one rep (detector noise, a pause) is closer to its twin than reps are
        idx, props = find_peaks(y, prominence=max(PROMINENCE_OF_RANGE * r, min_range * 0.8),
                                distance=max(1, int(round(period * PERIOD_SHARE * fps))))
        prom = props["prominences"]
    if len(idx):
        keep = prom >= GHOST_OF_MEDIAN * np.median(prom)
        idx, prom = idx[keep], prom[keep]
    return idx.astype(np.int64), prom, polarity


def _rep_bounds(y: np.ndarray, peaks: np.ndarray, prom: np.ndarray) -> list[tuple[int, int]]:
    """Each rep's frames: from the rest-side low before its turning point to the one after (``y`` oriented so
    reps are maxima). Neighbouring reps share the low between them; the first and last end where the signal is
    80 % of the way back to rest."""
    out = []
    n = len(y)
    for k, p in enumerate(peaks):
        if k > 0:
            a = int(peaks[k - 1] + np.argmin(y[peaks[k - 1]:p + 1]))
        else:
            a = p
            while a > 0 and y[a] > y[p] - 0.8 * prom[k]:
                a -= 1
        if k + 1 < len(peaks):
            b = int(p + np.argmin(y[p:peaks[k + 1] + 1]))
        else:
            b = p
            while b < n - 1 and y[b] > y[p] - 0.8 * prom[k]:
                b += 1
        out.append((a, b + 1))
    return out


def _arrival(y: np.ndarray, depth: float) -> int:
    """Where ``y`` first reaches its maximum (within 5 % of a touch's depth): a touch held at a clip's edge is
    timed when it is reached, not somewhere along the hold."""
    return int(np.argmax(y >= y.max() - 0.05 * depth))


def _edge_touches(x: np.ndarray, found: np.ndarray, polarity: int) -> list[int]:
    """A two-way movement's touches at the clip's edges, which ``find_peaks`` cannot see: a touch's prominence is
    measured to the lower of its two neighbouring valleys, and at an edge one valley is missing, so a full touch
    there reads as half of one and falls under the ghost threshold.

    Counted: the deepest point on ``polarity``'s side before the first / after the last turning point of either side
    (``found``), when it reaches ``EDGE_TOUCH_DEPTH`` of that side's median touch (measured from the middle of the
    range) and the clip shows the body moving into it. A side the clip *starts* on is the ready position, not a touch
    (as athletes count: the first touch is the first twist away from where they sat down).
    """
    y = polarity * x
    mid = float(np.median(y))
    own = found[y[found] > mid]                      # the turning points on this side of the middle
    if len(own) == 0:
        return []
    depth = float(np.median(y[own] - mid))
    out = []
    first, last = int(found.min()), int(found.max())
    head = y[:first] if first not in own else y[:0]     # the edge's neighbour is a touch on the other side
    if len(head):
        k = _arrival(head, depth)
        if head[k] - mid >= EDGE_TOUCH_DEPTH * depth and head[k] - head[0] >= EDGE_TOUCH_DEPTH * depth:
            out.append(k)
    start = last + 1
    tail = y[start:] if last not in own else y[:0]
    if len(tail):
        k = _arrival(tail, depth)
        if tail[k] - mid >= EDGE_TOUCH_DEPTH * depth and tail[k] - tail.min() >= EDGE_TOUCH_DEPTH * depth:
            out.append(start + k)
    return out


def _count_signal(x: np.ndarray, fps: float, two_way: bool = False, rests: str | None = None, known_first: bool = False,
                  polarity: int | None = None) -> tuple[list[int], list[tuple[int, int]], int]:
    idx, prom, pol = turning_points(x, fps, rests=rests, known_first=known_first, polarity=polarity)
    if not two_way or not len(idx):
        return list(idx), _rep_bounds(pol * x, idx, prom), pol
    other, _, _ = turning_points(x, fps, polarity=-pol)
    found = np.r_[idx, other].astype(np.int64)
    edges = [i for side in (pol, -pol) for i in _edge_touches(x, found, side)]
    both = np.sort(np.r_[found, edges]).astype(np.int64)
    edges = [0, *((both[:-1] + both[1:]) // 2), len(x) - 1]
    return list(both), [(int(edges[k]), int(edges[k + 1]) + 1) for k in range(len(both))], pol


def _autocorrelation(x: np.ndarray, fps: float) -> tuple[np.ndarray, int]:
    """Normalised autocorrelation from the shortest plausible rep period on, and that first lag."""
    x = x - x.mean()
    denom = float((x * x).sum())
    lo, hi = int(MIN_PERIOD_S * fps), min(int(8.0 * fps), len(x) - 1)
    if denom <= 0 or len(x) < 4 or hi <= lo:
        return np.zeros(0), lo
    return np.correlate(x, x, mode="full")[len(x) - 1:][lo:hi + 1] / denom, lo


def _periodicity(x: np.ndarray, fps: float) -> float:
    """Height of the autocorrelation's best peak between one rep's shortest and longest plausible period."""
    ac, _ = _autocorrelation(x, fps)
    return float(ac.max()) if len(ac) else 0.0


def dominant_period(x: np.ndarray, fps: float) -> float | None:
    """Seconds per cycle from the first clear autocorrelation peak (None: not periodic enough to say)."""
    from scipy.signal import find_peaks

    ac, lo = _autocorrelation(np.asarray(x, np.float64), fps)
    if len(ac) < 3:
        return None
    peaks, _ = find_peaks(ac, height=PERIODIC_AT)
    return float((peaks[0] + lo) / fps) if len(peaks) else None


def count_reps(sig: VideoSignals, label: str | None, *, in_workout: bool = False,
               polarity: int | None = None) -> Reps:
    """Count the reps of ``label`` (a class name; anything else: the most periodic joint) in ``sig``.
    ``in_workout``: ``sig`` is one set found in a longer video, so the exercise's known rest side
    (:class:`.movements.Movement` ``rests``) says where the reps rest, not the stretch's ends: those are the set-up
    and the walk-off (standing before a hip thrust put the reps at its bottoms, measured on synthetic workouts).
    ``polarity``: count this side of the cycle (a set counted again over a wider stretch keeps its side)."""
    mv = movement(label)
    if len(sig) < 3:
        return Reps.none(mv.rep_joint if mv else None)
    if mv is not None and mv.static:
        return Reps.none(mv.rep_joint)
    detected = np.isfinite(sig.values["left_knee"]) | np.isfinite(sig.values["left_elbow"])
    if detected.mean() < MIN_DETECTED:
        return Reps.none(mv.rep_joint if mv else None)
    fps = sampling_rate(sig.times_s)
    if mv is not None:
        joint = mv.rep_joint
    else:
        scored = [(_periodicity(_signal_of(sig, j, fps), fps), j) for j in ANY_JOINTS
                  if _robust_range(_signal_of(sig, j, fps)) >= MIN_RANGE_DEG]
        if not scored:
            return Reps.none(None)
        joint = max(scored)[1]
    peaks, bounds, side, pol = _count_joint(sig, joint, fps, bool(mv and mv.two_way), mv.rests if mv else None,
                                            known_first=in_workout, polarity=polarity)
    times = tuple(float(sig.times_s[p]) for p in peaks)
    tempo = float(np.median(np.diff(times))) if len(times) >= 2 else \
        (float(sig.times_s[bounds[0][1] - 1] - sig.times_s[bounds[0][0]]) if bounds else None)
    return Reps(len(peaks), times, tuple(bounds), joint, side if peaks else None, tempo, pol if peaks else 0)


def _signal_of(sig: VideoSignals, joint: str, fps: float) -> np.ndarray:
    if joint in SIDED_JOINTS:
        left, right = (_prepared(v, fps) for v in sig.joint(joint))
        return (left + right) / 2
    return _prepared(sig.joint(joint), fps)


def _count_joint(sig: VideoSignals, joint: str, fps: float, two_way: bool, rests: str | None = None, *,
                 known_first: bool = False,
                 polarity: int | None = None) -> tuple[list[int], list[tuple[int, int]], str, int]:
    how = dict(rests=rests, known_first=known_first, polarity=polarity)
    if joint not in SIDED_JOINTS:
        p, b, pol = _count_signal(_prepared(sig.joint(joint), fps), fps, two_way, **how)
        return p, b, "both", pol
    left, right = (_prepared(v, fps) for v in sig.joint(joint))
    rl, rr = _robust_range(left), _robust_range(right)
    if max(rl, rr) < MIN_RANGE_DEG:
        return [], [], "both", 0
    if min(rl, rr) < 0.4 * max(rl, rr):  # one side works, the other holds still (one-arm work)
        side = "left" if rl > rr else "right"
        p, b, pol = _count_signal(left if rl > rr else right, fps, **how)
        return p, b, side, pol
    both = (left + right) / 2
    corr = float(np.corrcoef(left, right)[0, 1]) if left.std() > 0 and right.std() > 0 else 1.0
    if corr < 0.0 and _robust_range(both) < 0.6 * min(rl, rr):
        # alternating: the sides cancel in the mean; every side's movement is one rep
        pl, bl, pol = _count_signal(left, fps, **how)
        pr, br, _ = _count_signal(right, fps, **how)
        order = np.argsort(pl + pr, kind="stable")
        return [(pl + pr)[i] for i in order], [(bl + br)[i] for i in order], "alternating", pol
    p, b, pol = _count_signal(both, fps, **how)
    return p, b, "both", pol
