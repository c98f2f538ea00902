"""The hammer curl / barbell curl pair decided by the grip MediaPipe Hands reads (:mod:`..features.grip`).

Why a rule and not a descriptor: the two curls differ in the grip alone (palms facing each other vs turned up),
and the forest, given the grip among 600+ descriptors, hardly picks it (leave-one-source-out on real-dev: the one
barbell-curl source stays a hammer curl, at 0.44 instead of 0.67). The rule's threshold is the midpoint of the two
grips' ideal values, not a figure fitted to real clips; measured in docs/accuracy.md. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..features.grip import NEUTRAL_GRIP_ABOVE

NEUTRAL_GRIP_CLASS = "hammer curl"
TURNED_GRIP_CLASS = "barbell biceps curl"


def order_pair_by_grip(probs: np.ndarray, grips: Sequence[float | None], classes: Sequence[str]) -> np.ndarray:
    """``(n, C)`` class probabilities -> the same, with the curl pair's two probabilities swapped where the grip
    says the other one is the exercise (a neutral grip: the hammer curl gets the larger of the two; over- or
    underhand: the barbell curl). ``grips[i]`` None: unknown, row unchanged. Nothing else moves."""
    p = np.array(probs, dtype=np.float32, copy=True)
    if p.ndim != 2 or len(p) != len(grips):
        raise ValueError(f"need (n, C) probabilities and n grips, got {p.shape} and {len(grips)}")
    if NEUTRAL_GRIP_CLASS not in classes or TURNED_GRIP_CLASS not in classes:
        return p
    a, b = list(classes).index(NEUTRAL_GRIP_CLASS), list(classes).index(TURNED_GRIP_CLASS)
    for i, g in enumerate(grips):
        if g is None:
            continue
        neutral = g >= NEUTRAL_GRIP_ABOVE
        if (neutral and p[i, b] > p[i, a]) or (not neutral and p[i, a] > p[i, b]):
            p[i, a], p[i, b] = p[i, b], p[i, a]
    return p
