"""Range of motion per main joint: how far each rep goes, how alike the reps are, and left against right.

Why per rep and then the median: one deep rep or one cut-off rep at the clip's edge must not set the figure; the
spread of the per-rep ranges is the consistency a coach looks at (form breaking down late in a set shows as a large
spread), and the left/right difference of the median ranges is the asymmetry. A stretch without counted reps (a
plank, a single unfinished movement) gets the joint's 5th-95th percentile span once, without spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .movements import movement
from .reps import Reps
from .signals import SIDED_JOINTS, VideoSignals, fill_gaps, sampling_rate, smooth


@dataclass(frozen=True)
class JointRange:
    joint: str
    range_deg: float                    # median per-rep range (sided joints: mean of both sides)
    rep_sd_deg: float | None            # spread of the per-rep ranges (None: fewer than 2 reps)
    left_right_diff_deg: float | None   # |left - right| of the median per-rep ranges (None: central signal)

    def to_dict(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 1)  # noqa: E731
        return {"joint": self.joint, "range_deg": r(self.range_deg), "rep_sd_deg": r(self.rep_sd_deg),
                "left_right_diff_deg": r(self.left_right_diff_deg)}


def _ranges(x: np.ndarray, bounds: tuple[tuple[int, int], ...]) -> np.ndarray:
    if not np.isfinite(x).any():
        return np.zeros(0)
    if not bounds:
        lo, hi = np.nanpercentile(x, [5, 95])
        return np.array([hi - lo])
    return np.array([np.ptp(x[a:b]) for a, b in bounds if b > a])


def range_of_motion(sig: VideoSignals, label: str | None, reps: Reps) -> list[JointRange]:
    """The main joints of ``label`` (nothing for an unknown label) measured over ``reps`` in ``sig``."""
    mv = movement(label)
    if mv is None or len(sig) < 2:
        return []
    fps = sampling_rate(sig.times_s)
    # a one-sided count measures the working side; otherwise every rep's frames are read on both sides
    out = []
    for joint in mv.joints:
        if joint in SIDED_JOINTS:
            raw = sig.joint(joint)
            if not all(np.isfinite(v).any() for v in raw):
                continue
            left, right = (smooth(fill_gaps(v), fps) for v in raw)
            rl, rr = _ranges(left, reps.bounds), _ranges(right, reps.bounds)
            if reps.side == "alternating":  # each rep belongs to one side: read a side only where it worked
                per_rep = np.maximum(rl, rr)
            elif reps.side == "left":
                per_rep = rl
            elif reps.side == "right":
                per_rep = rr
            else:
                per_rep = (rl + rr) / 2
            diff = abs(float(np.median(rl)) - float(np.median(rr)))
        else:
            raw = sig.joint(joint)
            if not np.isfinite(raw).any():
                continue
            per_rep = _ranges(smooth(fill_gaps(raw), fps), reps.bounds)
            diff = None
        if len(per_rep) == 0:
            continue
        out.append(JointRange(joint, float(np.median(per_rep)),
                              float(np.std(per_rep)) if len(per_rep) >= 2 else None, diff))
    return out
