"""The 22 exercise classes and the one place label names are normalised.

Labels arrive from folder names ("Barbell Biceps Curl", "push_up"), manifests and model directories; they all go
through :func:`normalise_label` so that a typo is caught before any expensive work starts rather than silently
becoming a 23rd class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CLASSES: tuple[str, ...] = (
    "barbell biceps curl",
    "bench press",
    "chest fly machine",
    "deadlift",
    "decline bench press",
    "hammer curl",
    "hip thrust",
    "incline bench press",
    "lat pulldown",
    "lateral raise",
    "leg extension",
    "leg raises",
    "plank",
    "pull up",
    "push-up",
    "romanian deadlift",
    "russian twist",
    "shoulder press",
    "squat",
    "t bar row",
    "tricep dips",
    "tricep pushdown",
)

CLASS_INDEX: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}


class UnknownLabelError(ValueError):
    """Raised when label names do not map onto the 22 canonical classes."""

    def __init__(self, unknown: Iterable[str]):
        self.unknown = sorted(set(unknown))
        super().__init__(
            f"unknown exercise label(s): {', '.join(repr(u) for u in self.unknown)}; "
            f"expected one of: {', '.join(CLASSES)}"
        )


def _key(name: str) -> str:
    # "Push-Up", "push_up", "push up", "PushUp" -> "pushup"
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


_BY_KEY: dict[str, str] = {_key(c): c for c in CLASSES}


def normalise_label(name: str) -> str:
    """Return the canonical class name for ``name`` (case, spaces, '_' and '-' ignored)."""
    canonical = _BY_KEY.get(_key(str(name)))
    if canonical is None:
        raise UnknownLabelError([str(name)])
    return canonical


def normalise_labels(names: Iterable[str | None]) -> list[str | None]:
    """Normalise many labels at once; ``None`` stays ``None``. Raises listing *all* unknown names."""
    names = list(names)
    unknown = [n for n in names if n is not None and _key(str(n)) not in _BY_KEY]
    if unknown:
        raise UnknownLabelError(unknown)
    return [None if n is None else _BY_KEY[_key(str(n))] for n in names]
