"""Which joints carry each exercise: the table the rep counter and the range-of-motion report read.

One row per class, the way a coach would watch it: the first ``joints`` entry is the one whose cycle *is* the
repetition (knee for a squat, elbow for a curl, hip for a hinge); the rest are reported for range of motion. A
``static`` exercise (plank) has no repetitions, only a hold time; a ``two_way`` one counts both turning points
(a russian twist's touch on the left is one rep, the one on the right the next, as athletes count them). Joint names are those of :mod:`.signals`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..classes import CLASSES
from .signals import CENTRAL_SIGNALS, SIDED_JOINTS


@dataclass(frozen=True)
class Movement:
    joints: tuple[str, ...]        # main joints; joints[0] drives the rep count
    static: bool = False           # held position: no reps
    two_way: bool = False          # both turning points are reps (a twist to the left, then one to the right)

    @property
    def rep_joint(self) -> str:
        return self.joints[0]


MOVEMENTS: dict[str, Movement] = {
    "barbell biceps curl": Movement(("elbow", "shoulder")),
    "bench press": Movement(("elbow", "shoulder")),
    "chest fly machine": Movement(("arm_spread", "elbow")),
    "deadlift": Movement(("hip", "knee")),
    "decline bench press": Movement(("elbow", "shoulder")),
    "hammer curl": Movement(("elbow", "shoulder")),
    "hip thrust": Movement(("hip", "knee")),
    "incline bench press": Movement(("elbow", "shoulder")),
    "lat pulldown": Movement(("elbow", "shoulder")),
    "lateral raise": Movement(("shoulder", "elbow")),
    "leg extension": Movement(("knee",)),
    "leg raises": Movement(("hip", "knee")),
    "plank": Movement(("hip", "trunk_pitch"), static=True),
    "pull up": Movement(("elbow", "shoulder")),
    "push-up": Movement(("elbow", "hip")),
    "romanian deadlift": Movement(("hip", "knee")),
    "russian twist": Movement(("trunk_twist",), two_way=True),
    "shoulder press": Movement(("elbow", "shoulder")),
    "squat": Movement(("knee", "hip")),
    "t bar row": Movement(("elbow", "hip")),
    "tricep dips": Movement(("elbow", "shoulder")),
    "tricep pushdown": Movement(("elbow",)),
}
# Candidate rep joints for motion of no known class (the most periodic one wins).
ANY_JOINTS: tuple[str, ...] = ("knee", "hip", "elbow", "shoulder", "trunk_twist", "arm_spread")

assert set(MOVEMENTS) == set(CLASSES), "every class needs a row"
assert all(j in SIDED_JOINTS or j in CENTRAL_SIGNALS for m in MOVEMENTS.values() for j in m.joints)


def movement(label: str | None) -> Movement | None:
    """The table row of a class, None for an unknown label (``rest``, not an exercise, no prediction)."""
    return MOVEMENTS.get(label) if label else None
