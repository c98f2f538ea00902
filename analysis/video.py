"""One video's analysis: segments (exercise or rest), reps and tempo per segment, range of motion, a summary.

Composition: :mod:`.segments` finds when the exercise changes (spans scored by the caller's model), every exercise
segment is labelled by the model on its own frames, :mod:`.reps` counts it with the joint of *that* label, and the
segment is tightened to its reps (a set runs from the start of its first rep to the end of its last; the set-up
before and the walk-off after are rest). :mod:`.range_of_motion` measures the reps. The model stays outside: it is
reached through ``classify(start, stop)``, so this module is pure and is tested with any probabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .movements import movement
from .range_of_motion import JointRange, range_of_motion
from .reps import Reps, count_reps
from .segments import REST, Run, SegmentSettings, frame_runs, span_activity, span_bounds, viterbi_states
from .signals import VideoSignals, sampling_rate

# In a video of several segments, a "set" of a single rep shorter than this is a movement between sets: every such
# set in 120 synthetic workouts was one (9, all 1.1-1.5 s, mostly a squat while stepping in); the shortest true set
# of one rep in the real joined clips (a deadlift) lasts 3.9 s.
MIN_ONE_REP_SET_S = 2.0

# frames [start, stop) -> (class probabilities (C,), probability that the motion is none of the 22, or None)
Classifier = Callable[[Sequence[tuple[int, int]]], list[tuple[np.ndarray, float | None]]]


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    label: str                      # a class, or "rest"
    confidence: float | None        # the model's probability of ``label`` on this segment (None for rest)
    reps: int
    rep_times_s: tuple[float, ...] = ()
    tempo_s: float | None = None
    range_of_motion: tuple[JointRange, ...] = ()

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2), "label": self.label,
                "confidence": None if self.confidence is None else round(float(self.confidence), 4),
                "reps": int(self.reps), "tempo_s": None if self.tempo_s is None else round(self.tempo_s, 2),
                "range_of_motion": [j.to_dict() for j in self.range_of_motion]}


@dataclass(frozen=True)
class VideoAnalysis:
    segments: list[Segment] = field(default_factory=list)
    rep_count: int = 0
    rep_times_s: list[float] = field(default_factory=list)
    range_of_motion: list[JointRange] = field(default_factory=list)   # of the dominant exercise, over all its reps
    dominant_label: str | None = None                                # the exercise covering the most time
    summary: str = ""

    @property
    def exercise_labels(self) -> list[str]:
        return sorted({s.label for s in self.segments if s.label != REST})


def _end_time(times: np.ndarray, stop: int, fps: float) -> float:
    return float(times[stop]) if stop < len(times) else float(times[-1] + 1.0 / fps)


def analyse_video(sig: VideoSignals, classes: Sequence[str], classify: Classifier, *,
                  video_label: str | None, video_confidence: float | None = None,
                  settings: SegmentSettings = SegmentSettings(), cuts: Sequence[int] = ()) -> VideoAnalysis:
    """See the module docstring. ``video_label``/``video_confidence``: the model's whole-video decision, used as
    the label of a video too short to hold two sets (None: no label, the video is one rest segment). ``cuts``:
    frame positions where a new camera shot begins (:func:`.segments.frame_runs` splits at them)."""
    n = len(sig)
    if n == 0:
        return VideoAnalysis(summary="no pose")
    t = sig.times_s
    fps = sampling_rate(t)
    labelled: list[tuple[Run, str, float | None]] = []
    if t[-1] - t[0] < settings.single_below_s or video_label is None:
        labelled.append((Run(0, n, 0), video_label or REST, video_confidence if video_label else None))
    else:
        spans = span_bounds(t, settings)
        scored = classify(spans)
        probs = np.stack([p for p, _ in scored])
        not_exercise = np.array([0.0 if q is None else q for _, q in scored])
        # still spans are rest unless the model sees a held exercise (a plank is still by design)
        held = probs[:, [i for i, c in enumerate(classes) if (movement(c) and movement(c).static)]].sum(axis=1)
        p_rest = np.maximum((1.0 - span_activity(sig, spans)) * (1.0 - held), not_exercise)
        runs = frame_runs(viterbi_states(probs, p_rest, settings.switch_cost), spans, t, settings.min_segment_s,
                          cuts=cuts, snap_s=settings.snap_to_cut_s)
        exercise = [r for r in runs if r.state >= 0]
        if len(exercise) == 1 and len(runs) == 1:
            labelled.append((exercise[0], video_label, video_confidence))
        else:
            own = classify([(r.start, r.stop) for r in exercise]) if exercise else []
            it = iter(own)
            for r in runs:
                if r.state < 0:
                    labelled.append((r, REST, None))
                    continue
                p, _ = next(it)
                c = int(np.argmax(p))
                labelled.append((r, classes[c], float(p[c])))
            labelled = _join_repeats(labelled, classify, classes)
    return _assemble(sig, labelled, fps, sets_need_reps=len(labelled) > 1, cuts=cuts,
                     reach_s=settings.span_s / 2)


def _tightened(reps: Reps, a: int, b: int) -> tuple[int, int, Reps]:
    """A stretch ``[a, b)`` and its reps -> the set from its first rep's start to its last rep's end."""
    if not reps.count:
        return a, b, reps
    shift = reps.bounds[0][0]
    return a + shift, a + reps.bounds[-1][1], Reps(
        reps.count, reps.times_s, tuple((x - shift, y - shift) for x, y in reps.bounds), reps.joint, reps.side,
        reps.tempo_s, reps.polarity)


@dataclass(frozen=True)
class _Set:
    """An exercise run and the set in it: frames ``[start, stop)`` from its first rep's start to its last rep's end
    (the whole run where no rep was counted)."""

    start: int
    stop: int
    label: str
    confidence: float | None
    reps: Reps
    run: Run


def _counted(sig: VideoSignals, run: Run, label: str, conf: float | None, a: int, b: int, **how) -> _Set:
    """``label``'s reps in frames ``[a, b)``, and the set tightened to them."""
    start, stop, reps = _tightened(count_reps(sig.slice(a, b), label, **how), a, b)
    return _Set(start, stop, label, conf, reps, run)


def _reached(sig: VideoSignals, sets: list[_Set], k: int, reach_s: float, cuts: set[int]) -> _Set:
    """Set ``k`` counted again over its run widened by up to ``reach_s`` into the rest on either side (not past a
    camera cut, nor past the middle of a rest shared with another set), and tightened to the reps found there.

    Why: the span scores blur a change of state over half a span, and the path often gives a lead-in or a walk
    between stations some class of its own that then counts no rep; either way the run of a set can start after
    its first rep or end before its last (synthetic workouts: a chest fly's first rep, a row's first and last).
    Kept only where it counts at least as many reps as the run alone."""
    t = sig.times_s
    s = sets[k]
    # (from the set's reps, not the run's ends: a run holding set-up motion would reach further into it, and the
    # widened stretch then counted a ghost rep there, measured on synthetic workouts)
    a = int(np.searchsorted(t, t[s.start] - reach_s, side="left"))
    a = max(a, 0 if k == 0 else (sets[k - 1].stop + s.start) // 2, *(c for c in cuts if c <= s.start))
    b = int(np.searchsorted(t, t[s.stop - 1] + reach_s, side="right"))
    b = min(b, len(t) if k + 1 == len(sets) else (s.stop + sets[k + 1].start + 1) // 2,
            *(c for c in cuts if c >= s.stop))
    mv = movement(s.label)
    if (a >= s.start and b <= s.stop) or mv is None or mv.two_way:
        # (a two-way movement's touch at the widened edge would count a turn in the set-up)
        return s
    # the run's side of the cycle: widened into the set-up, the stretch's ends may say the other one (a shoulder
    # press counted at its bottoms)
    wide = _counted(sig, s.run, s.label, s.confidence, a, b, in_workout=True, polarity=s.reps.polarity or None)
    return wide if wide.reps.count >= s.reps.count else s


def _assemble(sig: VideoSignals, labelled: list[tuple[Run, str, float | None]], fps: float, *,
              sets_need_reps: bool, cuts: Sequence[int] = (), reach_s: float = 0.0) -> VideoAnalysis:
    """Reps per exercise run, runs tightened to their reps, rest around them. ``sets_need_reps``: in a video of
    several segments, a moving stretch without a single rep is not a set (walking about, re-racking) but rest,
    and each set is then counted again over its reach (:func:`_reached`); a single-segment clip keeps its label
    whatever the count."""
    t = sig.times_s
    sets: list[_Set] = []
    for run, label, conf in labelled:
        if label == REST:
            continue
        found = _counted(sig, run, label, conf, run.start, run.stop, in_workout=sets_need_reps)
        mv = movement(label)
        if sets_need_reps and found.reps.count == 0 and not (mv and mv.static):
            continue
        sets.append(found)
    if sets_need_reps:
        # one quick movement between sets (crouching to pick something up, stepping onto a bench) is not a set;
        # dropped before the others reach into its time, so it is not counted again there
        sets = [x for x in sets if not (x.reps.count == 1 and t[x.stop - 1] - t[x.start] < MIN_ONE_REP_SET_S)]
        if reach_s > 0:
            cut_set = {int(c) for c in cuts}
            sets = [_reached(sig, sets, k, reach_s, cut_set) if sets[k].reps.count else sets[k]
                    for k in range(len(sets))]
    pieces: list[tuple[int, int, str, float | None, Reps | None]] = []
    cursor = 0
    for x in sets:
        a = max(x.start, cursor)
        pieces.append((cursor, a, REST, None, None))
        pieces.append((a, x.stop, x.label, x.confidence, x.reps))
        cursor = x.stop
    pieces.append((cursor, len(t), REST, None, None))
    segments: list[Segment] = []
    dominant_time: dict[str, float] = {}
    for a, b, label, conf, reps in _merge_rest(pieces):
        start, end = float(t[a]), _end_time(t, b, fps)
        if label == REST:
            segments.append(Segment(start, end, REST, None, 0))
            continue
        rom = range_of_motion(sig.slice(a, b), label, reps)
        segments.append(Segment(start, end, label, conf, reps.count, reps.times_s, reps.tempo_s, tuple(rom)))
        dominant_time[label] = dominant_time.get(label, 0.0) + (end - start)
    dominant = max(dominant_time, key=dominant_time.get) if dominant_time else None
    rep_times = [x for s in segments for x in s.rep_times_s]
    main = [s for s in segments if s.label == dominant]
    rom = list(max(main, key=lambda s: s.reps).range_of_motion) if main else []
    analysis = VideoAnalysis(segments, len(rep_times), rep_times, rom, dominant)
    return replace(analysis, summary=summarise(analysis))


def _merge_rest(pieces):
    """Neighbouring rest pieces become one; empty pieces vanish."""
    out = []
    for p in pieces:
        if p[1] <= p[0]:
            continue
        if out and p[2] == REST and out[-1][2] == REST:
            out[-1] = (out[-1][0], p[1], REST, None, None)
        else:
            out.append(p)
    return out


def _join_repeats(labelled: list[tuple[Run, str, float | None]], classify: Classifier, classes: Sequence[str]):
    """Neighbouring runs of one exercise (the path changed state and came back, or rest split nothing) are one set
    candidate: they are joined and labelled again on their joint frames."""
    out: list[tuple[Run, str, float | None]] = []
    for run, label, conf in labelled:
        if out and label != REST and out[-1][1] == label:
            prev = out.pop()[0]
            joined = Run(prev.start, run.stop, prev.state)
            p, _ = classify([(joined.start, joined.stop)])[0]
            c = int(np.argmax(p))
            out.append((joined, classes[c], float(p[c])))
        else:
            out.append((run, label, conf))
    return out


def _segment_text(s: Segment) -> str:
    mv = movement(s.label)
    parts = []
    if mv is not None and mv.static:
        parts.append(f"held {s.end_s - s.start_s:.0f} s")
    else:
        parts.append(f"{s.reps} rep{'s' if s.reps != 1 else ''}")
        if s.tempo_s and s.reps:
            parts.append(f"{s.tempo_s:.1f} s each")
    if s.range_of_motion:
        j = s.range_of_motion[0]
        text = f"{j.joint.replace('_', ' ')} range {j.range_deg:.0f} deg"
        if j.rep_sd_deg is not None:
            text += f" (+/- {j.rep_sd_deg:.0f})"
        parts.append(text)
        if j.left_right_diff_deg is not None:
            d = j.left_right_diff_deg
            parts.append(f"left/right within {max(d, 1.0):.0f} deg" if d <= 10 else f"left/right differ by {d:.0f} deg")
    return f"{s.label}: " + ", ".join(parts)


def summarise(a: VideoAnalysis) -> str:
    """Plain language, one clause per exercise segment; times only when there is more than one."""
    ex = [s for s in a.segments if s.label != REST]
    if not ex:
        return "no exercise found"
    if len(ex) == 1:
        return _segment_text(ex[0])
    return "; ".join(f"{s.start_s:.0f}-{s.end_s:.0f} s {_segment_text(s)}" for s in ex)
