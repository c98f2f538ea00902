"""Which joints carry each exercise: the table the rep counter and the range-of-motion report read.

One row per class, the way a coach would watch it: the first ``joints`` entry is the one whose cycle *is* the
repetition (knee for a squat, elbow for a curl, hip for a hinge); the rest are reported for range of motion. A
``static`` exercise (plank) has no repetitions, only a hold time; a ``two_way`` one counts both turning points
(a russian twist's touch on the left is one rep, the one on the right the next, as athletes count them). ``rests``
says at which end of its range the rep joint waits between reps ("high": straight, as a squatter's knee; "low": bent
or lowered, as a lateral raise's shoulder), where the exercise is done one way only; the rep counter reads the rest
side from the clip itself and needs this only when the clip starts and ends mid-rep, or when the stretch is one set
of a longer video (its ends are the set-up and the walk-off: standing before a hip thrust or a chest fly is not where
their reps rest). Joint names are those of
:mod:`.signals`.
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
    rests: str | None = None       # "high" / "low": where joints[0] waits between reps; None: either, by lifter

    @property
    def rep_joint(self) -> str:
        return self.joints[0]


MOVEMENTS: dict[str, Movement] = {
    "barbell biceps curl": Movement(("elbow", "shoulder"), rests="high"),
    "bench press": Movement(("elbow", "shoulder"), rests="high"),
    "chest fly machine": Movement(("arm_spread", "elbow"), rests="high"),
    "deadlift": Movement(("hip", "knee")),
    "decline bench press": Movement(("elbow", "shoulder"), rests="high"),
    "hammer curl": Movement(("elbow", "shoulder"), rests="high"),
    "hip thrust": Movement(("hip", "knee"), rests="low"),
    "incline bench press": Movement(("elbow", "shoulder"), rests="high"),
    "lat pulldown": Movement(("elbow", "shoulder"), rests="high"),
    "lateral raise": Movement(("shoulder", "elbow"), rests="low"),
    "leg extension": Movement(("knee",), rests="low"),
    "leg raises": Movement(("hip", "knee"), rests="high"),
    "plank": Movement(("hip", "trunk_pitch"), static=True),
    "pull up": Movement(("elbow", "shoulder"), rests="high"),
    "push-up": Movement(("elbow", "hip"), rests="high"),
    "romanian deadlift": Movement(("hip", "knee"), rests="high"),
    "russian twist": Movement(("trunk_twist",), two_way=True),
    "shoulder press": Movement(("elbow", "shoulder"), rests="low"),
    "squat": Movement(("knee", "hip"), rests="high"),
    "t bar row": Movement(("elbow", "hip"), rests="high"),
    "tricep dips": Movement(("elbow", "shoulder"), rests="high"),
    "tricep pushdown": Movement(("elbow",), rests="low"),
}
# Candidate rep joints for motion of no known class (the most periodic one wins).
ANY_JOINTS: tuple[str, ...] = ("knee", "hip", "elbow", "shoulder", "trunk_twist", "arm_spread")

assert set(MOVEMENTS) == set(CLASSES), "every class needs a row"
assert all(j in SIDED_JOINTS or j in CENTRAL_SIGNALS for m in MOVEMENTS.values() for j in m.joints)
assert all(m.rests in (None, "high", "low") and not (m.rests and (m.static or m.two_way)) for m in MOVEMENTS.values())


def movement(label: str | None) -> Movement | None:
    """The table row of a class, None for an unknown label (``rest``, not an exercise, no prediction)."""
    return MOVEMENTS.get(label) if label else None
