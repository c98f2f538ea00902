"""Video-level, stratified, group-aware train/val/test split.

Why this shape: windows of one video overlap by 70 %, and videos from one source (same person, same session,
near-duplicates) look alike, so splitting windows - or videos of one group - across train and test would measure
memory, not recognition. The unit of assignment is therefore the *group* (a video without a group is its own
group); each group goes wholly to one split.

Stratification: groups are assigned per class (a group counts for the class most of its videos have). Within a
class, groups are shuffled with a fixed seed; the first goes to train and the second to test (so every class
with >= 2 groups is both learnt and measured), the third to val, and every further group to the split furthest
below its target share of that class' videos. A class with a single group cannot be both trained and tested:
that is an error with advice (:class:`SplitError`) unless ``single_group_classes="train"``, which sends
such a class to training only (useful when other training-only data, e.g. rendered synthetic clips, teaches it
and real footage of it is scarce; the test split then says nothing about that class). Classes with 2 groups get no validation video - validation
accuracy then simply does not cover them.
"""

from __future__ import annotations

from ..errors import UserError

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .config import SplitConfig

SPLITS = ("train", "val", "test")


class SplitError(UserError):
    """The labelled videos cannot be split (message is one line and says what to do)."""


@dataclass(frozen=True)
class Split:
    train: list[int]
    val: list[int]
    test: list[int]

    def as_dict(self) -> dict[str, list[int]]:
        return {"train": self.train, "val": self.val, "test": self.test}


def split_videos(labels: Sequence[str], groups: Sequence[str | None] | None = None,
                 cfg: SplitConfig = SplitConfig()) -> Split:
    """Indices of ``labels`` per split. ``groups[i]`` None or missing -> video ``i`` is its own group."""
    n = len(labels)
    if n == 0:
        raise SplitError("no labelled videos to split")
    groups = list(groups) if groups is not None else [None] * n
    keys = [f"\0video:{i}" if g is None or g == "" else str(g) for i, g in enumerate(groups)]

    members: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        members[k].append(i)
    group_class = {k: Counter(labels[i] for i in idx).most_common(1)[0][0] for k, idx in members.items()}
    by_class: dict[str, list[str]] = defaultdict(list)
    for k in sorted(members):
        by_class[group_class[k]].append(k)

    lonely = sorted(c for c, ks in by_class.items() if len(ks) < 2)
    if lonely and cfg.single_group_classes == "error":
        what = "video" if all(len(members[by_class[c][0]]) == 1 for c in lonely) else "group"
        raise SplitError(
            f"class(es) {', '.join(repr(c) for c in lonely)} have only one {what}: it cannot be in both train and "
            f"test - add at least one more video (from another source) for each, or remove those videos")

    rng = np.random.default_rng(cfg.seed)
    targets = np.array([cfg.train, cfg.val, cfg.test], dtype=float)
    targets = targets / targets.sum()
    assigned: dict[str, list[int]] = {s: [] for s in SPLITS}
    for cls in sorted(by_class):
        ks = list(by_class[cls])
        rng.shuffle(ks)
        total = sum(len(members[k]) for k in ks)
        count = np.zeros(3)
        for j, k in enumerate(ks):
            if j == 0:  # with single_group_classes="train" a lonely class is learnt, never measured
                s = 0
            elif j == 1:
                s = 2
            elif j == 2 and targets[1] > 0:
                s = 1
            else:
                deficit = targets * total - count
                deficit[targets == 0] = -np.inf
                s = int(np.argmax(deficit))
            count[s] += len(members[k])
            assigned[SPLITS[s]].extend(members[k])
    return Split(*(sorted(assigned[s]) for s in SPLITS))
