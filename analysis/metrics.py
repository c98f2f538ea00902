"""How a rep count is scored against a count made by eye.

A clip often starts or ends inside a rep; whether that partial rep "counts" is a convention, not a fact. The eye
count records full reps and, apart, a partial rep at either edge; a predicted count anywhere from the full reps to
the full reps plus the partial ones is exact, and the error is the distance to that interval otherwise. Off-by-one
accuracy and mean absolute error are then the usual figures (PoseRAC, MM-Fit report the same two).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def rep_count_error(predicted: int, reps: int, partial: int = 0) -> int:
    """Signed distance of ``predicted`` to ``[reps, reps + partial]`` (0 inside)."""
    if reps < 0 or partial < 0:
        raise ValueError(f"reps and partial must be >= 0, got {reps}, {partial}")
    if predicted < reps:
        return int(predicted - reps)
    return int(max(0, predicted - (reps + partial)))


def rep_count_scores(errors: Sequence[int]) -> dict:
    """Signed errors -> ``{"clips", "exact", "off_by_one", "mae"}``."""
    e = np.abs(np.asarray(errors, np.int64))
    if len(e) == 0:
        return {"clips": 0, "exact": None, "off_by_one": None, "mae": None}
    return {"clips": int(len(e)), "exact": float((e == 0).mean()), "off_by_one": float((e <= 1).mean()),
            "mae": float(e.mean())}
