"""The per-frame feature vector, defined once, by landmark name.

Every feature is a :class:`FeatureSpec` row in :data:`FEATURE_TABLE`; :mod:`.compute` evaluates the rows in order and
:mod:`.mirror` derives the left/right mirror permutation from the names. Nothing else hard-codes an index: use
:data:`FEATURE_INDEX` / :data:`FEATURE_GROUPS`. Change anything about a feature's meaning -> bump
:data:`FEATURE_VERSION` (stored features carry it; features of different versions must never be mixed in one
training set).

Every feature is computed for every frame from the pose alone. (The seed paper filled its 12 "discriminative" slots
only when the exercise label was known; that leaks the label and is deliberately not reproduced.)

Coordinate frame
----------------
Before any geometry, MediaPipe's normalised image coordinates are turned into one right-handed frame whose unit is
the *image height*: ``X = x * aspect`` (to the image right), ``Y = -y`` (up), ``Z = -z * aspect`` (towards the camera;
MediaPipe's z grows away from it). Aspect = width / height, so angles do not depend on the frame's shape.
Gravity is assumed to point down the image (a camera held upright), so "up" below means image-up.

Units
-----
* coordinates, distances: divided by the *torso length* L (3-D distance shoulder centre - hip centre, median over the
  frames of the video, floored at :data:`MIN_TORSO_LENGTH`): invariant to translation and zoom.
* velocities: ``(p[t] - p[t-1]) * fps / L`` in torso lengths per second; frame 0 repeats frame 1's value
  (0 for a single frame). Absolute image positions (not hip-relative), so whole-body motion (push-up, pull-up) shows.
* angles of every kind: radians. Joint angles are in [0, pi] (pi = straight). "incline" = angle between a directed
  segment and image-up, in [0, pi] (0 = pointing straight up, pi/2 = horizontal, pi = straight down).
* visibility: MediaPipe's score in [0, 1].

Vector layout (83 = 33 + 9 + 12 + 8 + 7 + 14)
---------------------------------------------
::

    index  group         content
    0-32   coords        11 key points (nose, shoulders, elbows, wrists, knees, ankles) x (x, y, z), hip-centred
    33-41  joint_angles  elbows L/R, knees L/R, hips L/R, shoulder elevation L/R, spine (head/neck vs trunk)
    42-53  posture       12 pose-only "discriminative" features (orientation to gravity, grip, stance, hinge, ...)
    54-61  orientation   chest facing up/camera, forearm incline L/R, shin incline, shoulder tilt, visibility U/L
    62-68  distances     hands, feet, shoulder width, shoulder-wrist L/R, hip-ankle L/R
    69-82  velocities    nose, shoulders, elbows, wrists x (vx, vy)

Each row of :data:`FEATURE_TABLE` carries its own description (what 0, pi/2, pi mean for that feature).

The paper lists 33 + 21 + 7 + 14 = 75 components but calls the vector 83-dimensional; the 8 "orientation" features
fill the gap with what the paper's list cannot express: which way the chest faces (push-up/plank vs bench press/leg
raises), the camera view, per-side forearm direction (alternating curls), and how visible the upper and lower body
are (cropped gym videos often show no legs, which makes every leg feature unreliable).
"""

from __future__ import annotations

from dataclasses import dataclass

from .landmarks import LANDMARK_INDEX

FEATURE_VERSION = "1.0"

# Floor for the torso length (units of image height), so a collapsed or tiny pose never divides by ~0.
MIN_TORSO_LENGTH = 0.01

# Points that are not MediaPipe landmarks but midpoints of a left/right pair; usable in the table like landmarks.
DERIVED_POINTS: dict[str, tuple[str, str]] = {
    "shoulder_centre": ("left_shoulder", "right_shoulder"),
    "hip_centre": ("left_hip", "right_hip"),
    "knee_centre": ("left_knee", "right_knee"),
    "ankle_centre": ("left_ankle", "right_ankle"),
}

# How many landmark names one "item" of each kind takes. A spec may list several items (e.g. the left and the
# right arm); its value is then the mean over the items, which keeps such features left/right symmetric.
KIND_ARITY: dict[str, int] = {
    "coord": 1,          # (p,) + axis: (p - hip_centre)[axis] / L
    "velocity": 1,       # (p,) + axis: d p[axis] / dt / L
    "distance": 2,       # (a, b): |a - b| / L
    "angle": 3,          # (a, b, c): joint angle at b, [0, pi]
    "incline": 2,        # (a, b): angle between a->b and image-up, [0, pi]
    "tilt": 2,           # (a, b): angle between line ab and the horizontal plane, [0, pi/2]
    "segment_angle": 4,  # (a, b, c, d): angle between a->b and c->d, [0, pi]
    "line_angle": 4,     # (a, b, c, d): angle between lines ab and cd (direction ignored), [0, pi/2]
    "spread": 4,         # (a, b, c, d): atan2(|a-b|, |c-d|), [0, pi/2]; pi/4 = equal lengths
    "abduction": 3,      # (shoulder, elbow, other_shoulder): arm's angle out of the sagittal plane, [-pi/2, pi/2]
    "hinge": 4,          # (shoulder, hip, knee, ankle): hip flexion - knee flexion, [-pi, pi]
    "facing": 4,         # (l_shoulder, r_shoulder, l_hip, r_hip) + reference: chest normal vs reference, [0, pi]
    "visibility": 1,     # (p,): MediaPipe visibility, [0, 1]
}

AXES = ("x", "y", "z")
REFERENCES = ("up", "camera")


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: what it measures (``kind``) on which points (``landmarks``, by name).

    ``axis`` is set for coord/velocity features, ``reference`` for "facing". Names starting with ``left_`` /
    ``right_`` have a mirror twin with the other prefix; every other feature must be mirror-symmetric.
    """

    name: str
    kind: str
    landmarks: tuple[str, ...]
    group: str
    description: str
    axis: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KIND_ARITY:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        arity = KIND_ARITY[self.kind]
        if not self.landmarks or len(self.landmarks) % arity:
            raise ValueError(f"{self.name}: kind {self.kind} needs a multiple of {arity} landmarks")
        for lm in self.landmarks:
            if lm not in LANDMARK_INDEX and lm not in DERIVED_POINTS:
                raise ValueError(f"{self.name}: unknown landmark {lm!r}")
        if (self.kind in ("coord", "velocity")) != (self.axis is not None) or (self.axis and self.axis not in AXES):
            raise ValueError(f"{self.name}: axis {self.axis!r} does not fit kind {self.kind}")
        if (self.kind == "facing") != (self.reference is not None) or (
                self.reference and self.reference not in REFERENCES):
            raise ValueError(f"{self.name}: reference {self.reference!r} does not fit kind {self.kind}")

    @property
    def items(self) -> tuple[tuple[str, ...], ...]:
        """The landmark tuples this feature averages over (one per side for symmetric features)."""
        n = KIND_ARITY[self.kind]
        return tuple(self.landmarks[i:i + n] for i in range(0, len(self.landmarks), n))

    @property
    def mirror_sign(self) -> float:
        """-1 where mirroring the image negates the value (horizontal positions and velocities), else +1."""
        return -1.0 if self.axis == "x" else 1.0


def _sides(*names: str) -> tuple[str, ...]:
    """("elbow",) -> ("left_elbow", "right_elbow"): the same item for both sides, left first."""
    return tuple(f"left_{n}" for n in names) + tuple(f"right_{n}" for n in names)


KEY_POINTS: tuple[str, ...] = (
    "nose",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
)
VELOCITY_POINTS: tuple[str, ...] = KEY_POINTS[:7]  # nose, shoulders, elbows, wrists

_COORDS = tuple(
    FeatureSpec(f"{p}_{a}", "coord", (p,), "coords", f"{p} {a} relative to the hip centre / L", axis=a)
    for p in KEY_POINTS for a in AXES
)

_JOINT_ANGLES = tuple(
    FeatureSpec(f"{side}_{name}", "angle", tuple(f"{side}_{p}" for p in pts), "joint_angles", desc)
    for name, pts, desc in (
        ("elbow_angle", ("shoulder", "elbow", "wrist"), "pi = arm straight"),
        ("knee_angle", ("hip", "knee", "ankle"), "pi = leg straight; pi/2 = right-angle knee"),
        ("hip_angle", ("shoulder", "hip", "knee"), "pi = trunk and thigh in line; small = deep hip flexion"),
        ("shoulder_elevation", ("hip", "shoulder", "elbow"),
         "upper arm vs trunk: 0 = arm along the side, pi/2 = raised to shoulder height, pi = overhead"),
    )
    for side in ("left", "right")
) + (
    FeatureSpec("spine_angle", "angle", ("hip_centre", "shoulder_centre", "nose"), "joint_angles",
                "head/neck vs trunk at the shoulder centre: large = head in line with the trunk, "
                "small = chin on chest"),
)

_POSTURE = (
    FeatureSpec("torso_incline", "incline", ("hip_centre", "shoulder_centre"), "posture",
                "trunk vs gravity: 0 upright (standing, sitting, hanging), pi/2 lying/parallel to the floor, "
                "> pi/2 head below hips (decline bench)"),
    FeatureSpec("thigh_incline", "incline", _sides("hip", "knee"), "posture",
                "hip->knee vs up, mean L/R: pi standing/hanging, pi/2 seated or lying flat, < pi/2 legs raised"),
    FeatureSpec("body_incline", "incline", ("ankle_centre", "shoulder_centre"), "posture",
                "ankles->shoulders vs up: 0 standing/hanging, pi/2 body parallel to the floor (plank, push-up)"),
    FeatureSpec("arm_incline", "incline", _sides("shoulder", "wrist"), "posture",
                "shoulder->wrist vs up, mean L/R: 0 wrists straight above shoulders, pi/2 level, pi hanging below"),
    FeatureSpec("arm_convergence", "segment_angle",
                ("left_shoulder", "left_wrist", "right_shoulder", "right_wrist"), "posture",
                "angle between the two arms: 0 parallel (press lockout, fly closed), pi spread in a T"),
    FeatureSpec("shoulder_abduction", "abduction",
                ("left_shoulder", "left_elbow", "right_shoulder", "right_shoulder", "right_elbow", "left_shoulder"),
                "posture", "upper arm out of the sagittal plane, mean L/R: 0 arm down/forward/up, "
                           "pi/2 straight out to the side (lateral raise top), < 0 across the body"),
    FeatureSpec("hand_spread", "spread", ("left_wrist", "right_wrist", "left_shoulder", "right_shoulder"), "posture",
                "atan2(hand distance, shoulder width): 0 hands together, pi/4 shoulder-width grip, -> pi/2 wide"),
    FeatureSpec("stance_spread", "spread", ("left_ankle", "right_ankle", "left_shoulder", "right_shoulder"),
                "posture", "atan2(ankle distance, shoulder width): support width, pi/4 = shoulder-width stance"),
    FeatureSpec("hip_hinge", "hinge",
                _sides("shoulder", "hip", "knee", "ankle"), "posture",
                "hip flexion - knee flexion, mean L/R: ~0 standing, squatting or seated with knees bent, "
                "> 0 hip-dominant (RDL, bent-over row, leg extension lockout), < 0 knee-dominant (kneeling upright)"),
    FeatureSpec("wrist_alignment", "line_angle",
                ("left_pinky", "left_index", "left_shoulder", "right_shoulder",
                 "right_pinky", "right_index", "left_shoulder", "right_shoulder"), "posture",
                "knuckle line (pinky-index) vs shoulder line, mean L/R: ~0 palms forward/back (barbell grip), "
                "~pi/2 neutral grip (hammer curl)"),
    FeatureSpec("torso_twist", "segment_angle", ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
                "posture", "shoulder line vs hip line: 0 square, grows with trunk rotation (Russian twist)"),
    FeatureSpec("ankle_angle", "angle", _sides("knee", "ankle", "foot_index"), "posture",
                "knee-ankle-toe, mean L/R: ~pi/2 neutral, smaller with dorsiflexion (deep squat)"),
)

_ORIENTATION = (
    FeatureSpec("chest_facing_up", "facing", ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
                "orientation", "chest normal vs up: 0 supine (bench press, leg raises), pi/2 upright, "
                               "pi prone (push-up, plank)", reference="up"),
    FeatureSpec("chest_facing_camera", "facing", ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
                "orientation", "chest normal vs towards-camera: 0 front view, pi/2 side view, pi back view",
                reference="camera"),
    FeatureSpec("left_forearm_incline", "incline", ("left_elbow", "left_wrist"), "orientation",
                "elbow->wrist vs up: 0 forearm vertical up (curl top), pi pointing down (pushdown lockout)"),
    FeatureSpec("right_forearm_incline", "incline", ("right_elbow", "right_wrist"), "orientation",
                "elbow->wrist vs up: 0 forearm vertical up (curl top), pi pointing down (pushdown lockout)"),
    FeatureSpec("shin_incline", "incline", _sides("knee", "ankle"), "orientation",
                "knee->ankle vs up, mean L/R: pi shin vertical (standing, seated), "
                "pi/2 horizontal (leg extension top)"),
    FeatureSpec("shoulder_tilt", "tilt", ("left_shoulder", "right_shoulder"), "orientation",
                "shoulder line vs horizontal: 0 level, pi/2 shoulders stacked vertically (side-lying)"),
    FeatureSpec("upper_body_visibility", "visibility", KEY_POINTS[:7], "orientation",
                "mean visibility of nose, shoulders, elbows, wrists"),
    FeatureSpec("lower_body_visibility", "visibility", ("left_hip", "right_hip") + KEY_POINTS[7:], "orientation",
                "mean visibility of hips, knees, ankles: low when the legs are out of frame"),
)

_DISTANCES = (
    FeatureSpec("hands_dist", "distance", ("left_wrist", "right_wrist"), "distances", "wrist to wrist / L"),
    FeatureSpec("feet_dist", "distance", ("left_ankle", "right_ankle"), "distances", "ankle to ankle / L"),
    FeatureSpec("shoulder_width", "distance", ("left_shoulder", "right_shoulder"), "distances", "shoulder width / L"),
    FeatureSpec("left_shoulder_wrist_dist", "distance", ("left_shoulder", "left_wrist"), "distances", "arm reach / L"),
    FeatureSpec("right_shoulder_wrist_dist", "distance", ("right_shoulder", "right_wrist"), "distances",
                "arm reach / L"),
    FeatureSpec("left_hip_ankle_dist", "distance", ("left_hip", "left_ankle"), "distances", "leg reach / L"),
    FeatureSpec("right_hip_ankle_dist", "distance", ("right_hip", "right_ankle"), "distances", "leg reach / L"),
)

_VELOCITIES = tuple(
    FeatureSpec(f"{p}_v{a}", "velocity", (p,), "velocities", f"{p} {a} velocity, torso lengths per second", axis=a)
    for p in VELOCITY_POINTS for a in ("x", "y")
)

FEATURE_TABLE: tuple[FeatureSpec, ...] = _COORDS + _JOINT_ANGLES + _POSTURE + _ORIENTATION + _DISTANCES + _VELOCITIES
FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in FEATURE_TABLE)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
NUM_FEATURES = 83


def _groups() -> dict[str, slice]:
    out: dict[str, slice] = {}
    for i, spec in enumerate(FEATURE_TABLE):
        start = out[spec.group].start if spec.group in out else i
        if spec.group in out and out[spec.group].stop != i:
            raise ValueError(f"group {spec.group} is not contiguous in FEATURE_TABLE")
        out[spec.group] = slice(start, i + 1)
    return out


# Contiguous index range of each group, e.g. FEATURE_GROUPS["velocities"] == slice(69, 83).
FEATURE_GROUPS: dict[str, slice] = _groups()

if len(FEATURE_TABLE) != NUM_FEATURES or len(FEATURE_INDEX) != NUM_FEATURES:
    raise AssertionError(f"feature table has {len(FEATURE_TABLE)} rows / {len(FEATURE_INDEX)} unique names, "
                         f"expected {NUM_FEATURES}")
