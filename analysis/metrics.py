"""How a rep count is scored against a count made by eye.

A clip often starts or ends inside a rep; whether that partial rep "counts" is a convention, not a fact. The eye
count records full reps and, apart, a partial rep at either edge; a predicted count anywhere from the full reps to
the full reps plus the partial ones is exact, and the error is the distance to that interval otherwise. Off-by-one
accuracy and mean absolute error are then the usual figures (PoseRAC, MM-Fit report the same two).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


def match_sets(predicted: Sequence[dict], truth: Sequence[dict]) -> list[dict]:
    """Each true set against the predicted exercise segment overlapping it most (``rest`` segments ignored).

    Both are dicts with ``start_s``, ``end_s``, ``label``, ``reps`` (truth may add ``partial``). A true set no
    prediction overlaps is ``found: False`` with its boundary errors infinite.
    """
    sets = [p for p in predicted if p["label"] != "rest"]
    out = []
    for t in truth:
        overlap = [(min(p["end_s"], t["end_s"]) - max(p["start_s"], t["start_s"]), p) for p in sets]
        overlap = [o for o in overlap if o[0] > 0]
        if not overlap:
            out.append({"label": t["label"], "found": False, "label_ok": False, "start_error_s": float("inf"),
                        "end_error_s": float("inf"), "rep_error": -int(t["reps"])})
            continue
        p = max(overlap, key=lambda o: o[0])[1]
        out.append({"label": t["label"], "found": True, "predicted": p["label"], "label_ok": p["label"] == t["label"],
                    "start_error_s": abs(p["start_s"] - t["start_s"]), "end_error_s": abs(p["end_s"] - t["end_s"]),
                    "rep_error": rep_count_error(int(p["reps"]), int(t["reps"]), int(t.get("partial", 0)))})
    return out


def set_scores(matches: Sequence[dict], predicted_sets: int, within_s: float = 1.0) -> dict:
    """Matched sets -> label accuracy, share of boundaries within ``within_s``, median boundary error, reps."""
    if not matches:
        return {"sets": 0}
    b = np.array([m[k] for m in matches for k in ("start_error_s", "end_error_s")])
    return {"sets": len(matches), "predicted_sets": int(predicted_sets),
            "label_accuracy": float(np.mean([m["label_ok"] for m in matches])),
            f"boundaries_within_{within_s:g}s": float((b <= within_s).mean()),
            "median_boundary_error_s": float(np.median(b)),
            "reps": rep_count_scores([m["rep_error"] for m in matches])}


@dataclass
class SetTally:
    """The sets of many videos scored together: :func:`add` each video's predicted segments and true sets, then
    :func:`scores` gives :func:`set_scores` over all of them plus ``false_sets``, the predicted sets that overlap no
    true set (a movement between sets taken for a set)."""

    matches: list[dict] = field(default_factory=list)
    predicted_sets: int = 0
    false_sets: int = 0

    def add(self, predicted: Sequence[dict], truth: Sequence[dict]) -> list[dict]:
        """One video; returns its matches (:func:`match_sets`)."""
        m = match_sets(predicted, truth)
        sets = [p for p in predicted if p["label"] != "rest"]
        self.matches += m
        self.predicted_sets += len(sets)
        self.false_sets += sum(not any(min(p["end_s"], t["end_s"]) > max(p["start_s"], t["start_s"]) for t in truth)
                               for p in sets)
        return m

    def scores(self, within_s: float = 1.0) -> dict:
        out = set_scores(self.matches, self.predicted_sets, within_s)
        if self.matches:
            out["false_sets"] = int(self.false_sets)
        return out
