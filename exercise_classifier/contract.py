"""The preprocessing contract: everything that must be identical between extraction, training and scoring.

A model only means something on features made exactly the way its training features were made: the same sampling
rate (a 20-frame window is 1.33 s at 15 fps, 2 s at 10 fps), the same MediaPipe settings, the same frame-cleaning
limits, the same feature code, the same windows and the same scaler. This module holds all of it in one frozen,
validated object, :class:`Preprocessing`, with one comparison, :meth:`Preprocessing.require_same_features`, which
replaces every scattered feature-version check.

Where it is written:

* beside the feature shards, once (``<features>/_dataset.json``, :func:`write_dataset_manifest`), and as a compact
  JSON string in each row's ``preprocessing`` column (so a shard on its own still says how it was made);
* into the model's ``manifest.json``, with the windows and the fitted scaler.

``score`` on raw video takes the model's contract, never its own defaults, so a model trained at 15 fps is always
fed 15 fps.

This module sits at the bottom of the package: it imports only numpy, :mod:`.features.table` (for the feature
version and cleaning defaults) and :mod:`.storage`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field, fields

import numpy as np

from .errors import UserError
from .features.compute import DEFAULT_FPS
from .features.sequence import DEFAULT_MAX_GAP, DEFAULT_MIN_SEGMENT, DEFAULT_MIN_VISIBILITY
from .features.table import FEATURE_VERSION, NUM_FEATURES

DATASET_MANIFEST = "_dataset.json"
DATASET_FORMAT = "exercise-classifier-dataset/v1"
SCALER_FORMAT = "standard-scaler/v1"


class ContractError(UserError, ValueError):
    """Settings that are invalid, or that differ from the ones the data or the model were made with."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ContractError(message)


@dataclass(frozen=True)
class PoseSettings:
    """MediaPipe Pose (legacy solution API) settings. Offline only ``model_complexity`` 1 exists (its model file
    ships in the wheel; 0 and 2 are downloaded at run time)."""

    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = True

    def __post_init__(self) -> None:
        _require(self.model_complexity in (0, 1, 2), f"pose model_complexity must be 0, 1 or 2, got {self.model_complexity}")
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            v = getattr(self, name)
            _require(0.0 <= v <= 1.0, f"pose {name} must be in [0, 1], got {v}")


@dataclass(frozen=True)
class HandSettings:
    """MediaPipe Hands on a few sampled frames per video, for the grip (palms facing each other or not) that the
    pose model's own hand points do not carry (docs/accuracy.md: on real curls Hands reads an EZ-bar grip 0.30 and
    hammer grips 0.85-0.98, Pose's hand points 0.72 against 0.67-0.90). Hands costs more per frame than pose
    (~26-33 ms CPU here), so it runs on at most ``frames_per_video`` frames spread evenly over the video, each one on
    its own (static image mode: frames seconds apart are too far for its tracker), and only where the pose sees a
    wrist; 0 turns it off. 24: on the EZ-bar clip 16 frames gave a median grip of 0.47 (just on the right side of
    0.5), 24 gave 0.30, 32 0.36. Not a feature field: a shard without hands is scored without the grip.

    Hands runs after the video's pose, on copies of those frames kept no larger than ``max_image_side`` (the two graphs
    never live at once: together they held ~70-95 MB more per pose worker; 960 px leaves every real-dev clip as it is)
    and compressed losslessly while they wait (a quarter to a half of the 1.2 MB of a raw 854x480 frame:
    ``pipelines.pose._KEPT_CODEC``)."""

    frames_per_video: int = 24
    max_per_second: float = 2.0   # and at most this many frames per second of video (short clips)
    max_image_side: int = 960
    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_wrist_visibility: float = 0.5

    def __post_init__(self) -> None:
        _require(isinstance(self.frames_per_video, int) and 0 <= self.frames_per_video <= 10_000,
                 f"hands frames_per_video must be an integer in [0, 10000], got {self.frames_per_video}")
        _require(self.model_complexity in (0, 1), f"hands model_complexity must be 0 or 1, got {self.model_complexity}")
        _require(isinstance(self.max_image_side, int) and self.max_image_side >= 64,
                 f"hands max_image_side must be an integer >= 64, got {self.max_image_side}")
        _require(isinstance(self.max_per_second, (int, float)) and self.max_per_second > 0,
                 f"hands max_per_second must be > 0, got {self.max_per_second}")
        for name in ("min_detection_confidence", "min_wrist_visibility"):
            v = getattr(self, name)
            _require(0.0 <= v <= 1.0, f"hands {name} must be in [0, 1], got {v}")


@dataclass(frozen=True)
class SequenceSettings:
    """How the sampled frames become a clean sequence (see :mod:`.features.sequence`)."""

    min_visibility: float = DEFAULT_MIN_VISIBILITY  # frames with lower mean visibility are dropped (paper: 0.6)
    max_gap: int = DEFAULT_MAX_GAP          # gaps up to this many sampled frames are interpolated, longer ones split
    min_segment: int = DEFAULT_MIN_SEGMENT  # shorter continuous runs are discarded

    def __post_init__(self) -> None:
        _require(0.0 <= self.min_visibility <= 1.0, f"min_visibility must be in [0, 1], got {self.min_visibility}")
        _require(self.max_gap >= 0, f"max_gap must be >= 0, got {self.max_gap}")
        _require(self.min_segment >= 1, f"min_segment must be >= 1, got {self.min_segment}")


@dataclass(frozen=True)
class WindowSettings:
    """Fixed-length windows the network sees (paper 4.4.1: 20 frames, 70 % overlap)."""

    length: int = 20
    stride: int = 6
    min_length: int = 10   # shorter segments are padded up to ``length`` if at least this long, else skipped;
    #                        a video with fewer usable frames than this gets status ``too_short``

    def __post_init__(self) -> None:
        _require(self.length >= 2, f"window length must be >= 2, got {self.length}")
        _require(1 <= self.stride <= self.length, f"window stride must be in [1, length], got {self.stride}")
        _require(1 <= self.min_length <= self.length,
                 f"window min_length must be in [1, length={self.length}], got {self.min_length}")


@dataclass(frozen=True, eq=False)
class Scaler:
    """Per-feature standardisation fitted on training windows only (StandardScaler semantics, JSON not pickle)."""

    mean: np.ndarray   # (F,) float64
    scale: np.ndarray  # (F,) float64, > 0

    @classmethod
    def fit(cls, windows: np.ndarray) -> "Scaler":
        """Fit on ``(..., F)`` data: every frame of every training window counts once."""
        x = np.asarray(windows, dtype=np.float64)
        x = x.reshape(-1, x.shape[-1])
        if len(x) == 0:
            raise ValueError("cannot fit a scaler on zero windows")
        std = x.std(axis=0)
        return cls(x.mean(axis=0), np.where(std < 10 * np.finfo(np.float64).eps, 1.0, std))

    def transform(self, windows: np.ndarray) -> np.ndarray:
        x = np.asarray(windows, dtype=np.float32)
        if x.shape[-1] != len(self.mean):
            raise ValueError(f"scaler expects {len(self.mean)} features, got {x.shape[-1]}")
        return ((x - self.mean.astype(np.float32)) / self.scale.astype(np.float32)).astype(np.float32)

    def to_dict(self) -> dict:
        return {"format": SCALER_FORMAT, "mean": [float(v) for v in self.mean],
                "scale": [float(v) for v in self.scale]}

    @classmethod
    def from_dict(cls, data: dict) -> "Scaler":
        _require(isinstance(data, dict) and data.get("format") == SCALER_FORMAT,
                 f"not a {SCALER_FORMAT} scaler")
        mean = np.asarray(data["mean"], dtype=np.float64)
        scale = np.asarray(data["scale"], dtype=np.float64)
        _require(mean.shape == scale.shape and mean.ndim == 1 and bool(np.all(scale > 0)),
                 "scaler has inconsistent mean/scale")
        return cls(mean, scale)

    def __eq__(self, other) -> bool:
        return (isinstance(other, Scaler) and np.array_equal(self.mean, other.mean)
                and np.array_equal(self.scale, other.scale))

    __hash__ = None  # type: ignore[assignment]


# The fields that decide what a feature vector means. Windows and the scaler belong to a model: two models may
# window the same features differently, but never read features made another way.
FEATURE_FIELDS = ("sample_fps", "max_side", "pose", "sequence", "feature_version", "n_features")


@dataclass(frozen=True)
class Preprocessing:
    """The one preprocessing contract. Validated on construction: an invalid value is a :class:`ContractError`."""

    sample_fps: float = DEFAULT_FPS  # frames per second fed to pose, whatever the source rate
    max_side: int = 1280          # decoded frames with a longer side are downscaled before pose
    pose: PoseSettings = field(default_factory=PoseSettings)
    hands: HandSettings = field(default_factory=HandSettings)
    sequence: SequenceSettings = field(default_factory=SequenceSettings)
    feature_version: str = FEATURE_VERSION
    n_features: int = NUM_FEATURES
    windows: WindowSettings = field(default_factory=WindowSettings)
    scaler: Scaler | None = None  # set in a model's contract only

    def __post_init__(self) -> None:
        _require(isinstance(self.sample_fps, (int, float)) and 1.0 <= self.sample_fps <= 240.0,
                 f"sample_fps must be in [1, 240], got {self.sample_fps}")
        object.__setattr__(self, "sample_fps", float(self.sample_fps))  # 10 and 10.0 are one setting
        _require(isinstance(self.max_side, int) and self.max_side >= 256,
                 f"max_side must be an integer >= 256, got {self.max_side}")
        _require(self.n_features >= 1, f"n_features must be >= 1, got {self.n_features}")
        if self.scaler is not None:
            _require(len(self.scaler.mean) == self.n_features,
                     f"scaler has {len(self.scaler.mean)} features, contract {self.n_features}")

    # -- (de)serialisation -------------------------------------------------------------------------------------
    def to_dict(self, *, feature_fields_only: bool = False) -> dict:
        out = {}
        for f in fields(self):
            if feature_fields_only and f.name not in FEATURE_FIELDS:
                continue
            v = getattr(self, f.name)
            if isinstance(v, Scaler):
                v = v.to_dict()
            elif dataclasses.is_dataclass(v):
                v = dataclasses.asdict(v)
            out[f.name] = v
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def features_json(self) -> str:
        """Compact, canonical JSON of the feature-defining fields (the rows' ``preprocessing`` column)."""
        return json.dumps(self.to_dict(feature_fields_only=True), sort_keys=True, separators=(",", ":"))

    def fingerprint(self) -> str:
        return hashlib.sha256(self.features_json().encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        _require(isinstance(data, dict), "preprocessing settings must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        _require(not unknown, f"unknown preprocessing setting(s): {', '.join(unknown)}")
        kw = dict(data)
        try:
            for name, typ in (("pose", PoseSettings), ("hands", HandSettings), ("sequence", SequenceSettings),
                              ("windows", WindowSettings)):
                if name in kw and not isinstance(kw[name], typ):
                    kw[name] = typ(**kw[name])
        except TypeError as exc:
            raise ContractError(f"bad preprocessing settings: {exc}") from None
        if kw.get("scaler") is not None and not isinstance(kw["scaler"], Scaler):
            kw["scaler"] = Scaler.from_dict(kw["scaler"])
        return cls(**kw)

    @classmethod
    def from_json(cls, text: str) -> "Preprocessing":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ContractError(f"preprocessing settings are not valid JSON: {exc}") from None

    def replace(self, **changes) -> "Preprocessing":
        return dataclasses.replace(self, **changes)

    # -- the one check ----------------------------------------------------------------------------------------
    def feature_differences(self, other: "Preprocessing") -> list[str]:
        """``name: mine != theirs`` for every feature-defining setting that differs (flattened)."""
        a, b = _flat(self.to_dict(feature_fields_only=True)), _flat(other.to_dict(feature_fields_only=True))
        return [f"{k} {a.get(k)!r} vs {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]

    def require_same_features(self, other: "Preprocessing", *, mine: str, theirs: str,
                              advice: str = "re-extract the features with matching settings, or use a model "
                                            "trained on these") -> None:
        """Raise one clear :class:`ContractError` when ``other`` made (or expects) features another way."""
        diffs = self.feature_differences(other)
        if diffs:
            raise ContractError(f"{mine} and {theirs} use different preprocessing ({'; '.join(diffs[:4])}"
                                f"{'; ...' if len(diffs) > 4 else ''}): {advice}")


    def require_current_code(self, *, what: str) -> None:
        """Features this release computes are ``FEATURE_VERSION`` with ``NUM_FEATURES`` values: refuse others."""
        if (self.feature_version, self.n_features) != (FEATURE_VERSION, NUM_FEATURES):
            raise ContractError(f"{what} use feature_version {self.feature_version} ({self.n_features} values) but "
                                f"this release computes {FEATURE_VERSION} ({NUM_FEATURES}): re-extract the features "
                                f"and retrain, or run the release that matches")


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


# -- the dataset manifest beside feature shards ---------------------------------------------------------------
def write_dataset_manifest(features_uri: str, contract: Preprocessing) -> None:
    """Record the contract beside the shards; an existing manifest must agree (one dataset, one contract)."""
    from . import storage

    existing = read_dataset_manifest(features_uri, required=False)
    if existing is not None:
        existing.require_same_features(contract, mine=f"the features already in {features_uri}", theirs="this run",
                                       advice="extract into a new output folder, or use the same settings")
        if existing.windows == contract.windows:
            return
    storage.write_json_atomic(storage.join(features_uri, DATASET_MANIFEST),
                              {"format": DATASET_FORMAT, "preprocessing": contract.to_dict(),
                               "fingerprint": contract.fingerprint()})


def read_dataset_manifest(features_uri: str, *, required: bool = True) -> Preprocessing | None:
    from . import storage

    uri = storage.join(features_uri, DATASET_MANIFEST)
    if not storage.exists(uri):
        if required:
            raise ContractError(f"{features_uri} has no {DATASET_MANIFEST} (made by an older release, or not an "
                                f"extract output): re-extract the features")
        return None
    data = storage.read_json(uri)
    _require(isinstance(data, dict) and data.get("format") == DATASET_FORMAT,
             f"{uri} is not an exercise-classifier dataset manifest")
    return Preprocessing.from_dict(data["preprocessing"])
