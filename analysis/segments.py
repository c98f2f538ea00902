"""Exercise segments of a long video: which exercise when, and rest between sets.

Why spans of a few seconds scored by the whole model, then a Viterbi path: the model's per-video members (the
statistics forest above all) are the accurate ones, and they need a few seconds of motion to say anything, so the
video is cut into overlapping spans (default 5 s every 1 s) and each span gets class probabilities like a short
video would. Span by span those labels flicker; the most likely path through the spans with a fixed cost per switch
keeps a set in one piece unless the evidence for a change is sustained, which is what "not broken by a few stray
windows" means. ``rest`` is a state of its own, likely where no joint moves through a rep-sized range (standing,
sitting between sets) or where the motion is none of the 22 exercises (walking about).

Pure numpy; the model is reached only through the probabilities the caller passes in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .signals import SIDED_JOINTS, VideoSignals, fill_gaps, sampling_rate, smooth

REST = "rest"
ACTIVE_RANGE_DEG = 20.0     # a joint moving through this much in a span means exercise-like motion ...
ACTIVE_SOFTNESS_DEG = 4.0   # ... with this much slack (logistic)
ACTIVITY_JOINTS = ("knee", "hip", "elbow", "shoulder", "trunk_twist", "arm_spread")


@dataclass(frozen=True)
class SegmentSettings:
    # chosen on synthetic workouts and real concatenations together (docs/analysis.md): shorter spans blur less
    # across a change of exercise, longer ones give the statistics member more to go on. The switch cost was 4.5
    # until 2026-12-08: then a set of lateral raises, whose spans the "none of the 22" forest scores ~0.4, stayed
    # rest, two switches costing more than the set's evidence; 3.5 found more sets in synthetic workouts (three
    # seeds) and changed nothing on the real clips, single or joined (3.0 split a real t-bar-row montage in two)
    span_s: float = 5.0            # length of one scored span
    hop_s: float = 1.0             # spacing of span starts
    switch_cost: float = 3.5       # log-probability cost of changing state between neighbouring spans
    min_segment_s: float = 3.0     # shorter runs are absorbed by their neighbours
    single_below_s: float = 12.0   # videos shorter than this are one segment (too short for two sets)
    snap_to_cut_s: float = 2.5     # a change of exercise this close to a camera cut moves to the cut (half a span)

    def __post_init__(self) -> None:
        if not (self.span_s > 0 and 0 < self.hop_s <= self.span_s and self.switch_cost >= 0):
            raise ValueError(f"invalid segment settings {self}")


@dataclass(frozen=True)
class Run:
    """Frames ``[start, stop)`` in one state (a class index, or -1 for rest)."""

    start: int
    stop: int
    state: int


def span_bounds(times_s: np.ndarray, settings: SegmentSettings) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` frame indices of overlapping spans covering the whole video."""
    t = np.asarray(times_s, np.float64)
    if len(t) == 0:
        return []
    t0, t1 = float(t[0]), float(t[-1])
    if t1 - t0 <= settings.span_s:
        return [(0, len(t))]
    starts = np.arange(t0, t1 - settings.span_s + 1e-9, settings.hop_s)
    if t1 - settings.span_s - starts[-1] > 1e-6:
        starts = np.append(starts, t1 - settings.span_s)
    out = []
    for s in starts:
        a = int(np.searchsorted(t, s, side="left"))
        b = int(np.searchsorted(t, s + settings.span_s, side="right"))
        out.append((a, max(b, a + 1)))
    return out


def span_activity(sig: VideoSignals, spans: list[tuple[int, int]]) -> np.ndarray:
    """Per span, the probability that it holds exercise motion: a logistic of the largest joint range in it."""
    fps = sampling_rate(sig.times_s)
    signals = []
    for j in ACTIVITY_JOINTS:
        for name in ((f"left_{j}", f"right_{j}") if j in SIDED_JOINTS else (j,)):
            v = sig.values[name]
            if np.isfinite(v).sum() >= 2:
                signals.append(smooth(fill_gaps(v), fps))
    out = np.zeros(len(spans))
    if not signals:
        return out
    x = np.stack(signals)
    for k, (a, b) in enumerate(spans):
        lo, hi = np.percentile(x[:, a:b], [5, 95], axis=1)
        r = float((hi - lo).max())
        out[k] = 1.0 / (1.0 + np.exp(-(r - ACTIVE_RANGE_DEG) / ACTIVE_SOFTNESS_DEG))
    return out


def viterbi_states(class_probs: np.ndarray, p_rest: np.ndarray, switch_cost: float) -> np.ndarray:
    """Most likely state per span: ``(S, C)`` class probabilities, ``(S,)`` rest probability -> ``(S,)`` states
    (class index, or -1 for rest). Emission of class c: ``(1 - p_rest) * p(c)``; of rest: ``p_rest``."""
    p = np.asarray(class_probs, np.float64)
    r = np.clip(np.asarray(p_rest, np.float64), 0.0, 1.0)
    S, C = p.shape
    emit = np.log(np.concatenate([(1 - r)[:, None] * p, r[:, None]], axis=1) + 1e-9)  # rest is state C
    score = emit[0].copy()
    back = np.zeros((S, C + 1), np.int64)
    for s in range(1, S):
        best = int(np.argmax(score))
        stay = score
        switch = score[best] - switch_cost
        back[s] = np.where(stay >= switch, np.arange(C + 1), best)
        score = np.maximum(stay, switch) + emit[s]
    states = np.zeros(S, np.int64)
    states[-1] = int(np.argmax(score))
    for s in range(S - 1, 0, -1):
        states[s - 1] = back[s, states[s]]
    return np.where(states == C, -1, states)


def frame_runs(states: np.ndarray, spans: list[tuple[int, int]], times_s: np.ndarray,
               min_segment_s: float, cuts: np.ndarray | tuple = (), snap_s: float = 0.0) -> list[Run]:
    """Span states -> runs of frames: each frame takes the state of the span whose centre is nearest; runs shorter
    than ``min_segment_s`` join the longer neighbour.

    ``cuts``: frame positions where a new camera shot begins. A change of state within ``snap_s`` of a cut moves to
    the cut (span scores blur a change over a span; the cut is exact), and a run is split at every cut, so that the
    caller labels each shot's part on its own frames: two exercises the path merged into one state come apart
    when they were filmed as two shots. Runs split only by a cut keep one state; short ones still join a neighbour.
    """
    t = np.asarray(times_s, np.float64)
    centres = np.array([(t[a] + t[b - 1]) / 2 for a, b in spans])
    nearest = np.abs(t[:, None] - centres[None, :]).argmin(axis=1)
    per_frame = np.asarray(states)[nearest].copy()
    cut_set = {int(c) for c in np.asarray(cuts, np.int64) if 0 < c < len(t)}
    if cut_set and snap_s > 0:
        per_frame = _snap_to_cuts(per_frame, sorted(cut_set), t, snap_s)
    runs = _coalesce(_runs(per_frame), cut_set, split=True)
    while len(runs) > 1:
        dur = [t[r.stop - 1] - t[r.start] for r in runs]
        k = int(np.argmin(dur))
        if dur[k] >= min_segment_s:
            break
        if k == 0:
            j = 1
        elif k == len(runs) - 1:
            j = k - 1
        else:
            j = k - 1 if dur[k - 1] >= dur[k + 1] else k + 1
        a, b = min(k, j), max(k, j)
        runs[a:b + 1] = [Run(runs[a].start, runs[b].stop, runs[j].state)]
        runs = _coalesce(runs, cut_set)
    return runs


def _snap_to_cuts(per_frame: np.ndarray, cuts: list[int], t: np.ndarray, snap_s: float) -> np.ndarray:
    """Move each change of state to the nearest cut within ``snap_s`` seconds of it."""
    out = per_frame.copy()
    cut_t = t[cuts]
    for c in np.flatnonzero(np.diff(per_frame) != 0) + 1:
        k = int(np.argmin(np.abs(cut_t - t[c])))
        q = cuts[k]
        if abs(cut_t[k] - t[c]) > snap_s or q == c:
            continue
        if q > c:
            out[c:q] = per_frame[c - 1]      # the earlier state lasts until the cut
        else:
            out[q:c] = per_frame[c]          # the later state starts at the cut
    return out


def _coalesce(runs: list[Run], cuts: set[int], split: bool = False) -> list[Run]:
    """Neighbouring runs of one state become one unless a cut lies between them; ``split``: also cut runs that
    span a cut."""
    pieces: list[Run] = []
    for r in runs:
        inner = sorted(c for c in cuts if r.start < c < r.stop) if split else []
        edges = [r.start, *inner, r.stop]
        pieces.extend(Run(a, b, r.state) for a, b in zip(edges[:-1], edges[1:]))
    out: list[Run] = []
    for r in pieces:
        if out and out[-1].state == r.state and r.start not in cuts:
            out[-1] = Run(out[-1].start, r.stop, r.state)
        else:
            out.append(r)
    return out


def _runs(per_frame: np.ndarray) -> list[Run]:
    change = np.flatnonzero(np.diff(per_frame) != 0) + 1
    starts = np.r_[0, change]
    stops = np.r_[change, len(per_frame)]
    return [Run(int(a), int(b), int(per_frame[a])) for a, b in zip(starts, stops)]
