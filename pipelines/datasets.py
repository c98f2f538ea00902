"""Extraction shards -> per-video feature sequences for training and evaluation.

Only what the model may see leaves this module as model input: the per-frame ``features``, their
``feature_segment`` ids and the video's kinematic descriptors (computed here from the row's pose landmarks,
:func:`..features.descriptors.landmark_kinematics`). ``label`` is the target, ``group``/``video_id``/``uri`` only
steer the split and the reports; nothing derived from labels or file names is ever concatenated to the features.

Synthetic sequences (``train --synthetic N``) are turned into extraction rows by :func:`rows.landmarks_row`, the
same function the extract job uses for real videos, so they are featurised by exactly the same code.

Every read checks the preprocessing contract first (:func:`dataset_contract`): the dataset manifest must exist and
every row must have been made with it, so a training set never mixes features made two ways.
"""

from __future__ import annotations

from ..errors import UserError

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import storage
from ..contract import Preprocessing, read_dataset_manifest
from . import schema

log = logging.getLogger(__name__)

# what a Video is built from; the landmark columns feed the kinematic descriptors
LANDMARK_COLUMNS = ["landmarks", "world_landmarks", "width", "height", "sample_fps"]
# what MediaPipe Hands found (schema 4; older shards lack them: no grip known)
HAND_COLUMNS = ["hand_frame", "hand_landmarks"]
READ_COLUMNS = ["video_id", "uri", "label", "group", "status", "features", "feature_segment", *LANDMARK_COLUMNS,
                "feature_frame", "shot_start", *HAND_COLUMNS]
SYNTHETIC_GROUP_PREFIX = "synthetic:"


class DatasetError(UserError):
    """Feature shards that cannot be used for training/evaluation. One line, says what is wrong."""


@dataclass
class Video:
    video_id: str
    uri: str
    label: str | None
    group: str | None
    features: np.ndarray       # (frames, NUM_FEATURES) float32
    segments: np.ndarray       # (frames,) int32
    kinematics: np.ndarray     # (NUM_KINEMATIC,) float32, from the pose landmarks of the sampled frames
    train_only: bool = False   # synthetic or --train-extra data: never in validation or test
    # camera shots of 2 s or more, when there are two or more: (descriptors, sampled frames) each
    # (:func:`..features.descriptors.shot_descriptors`); a montage is labelled shot by shot
    shots: tuple = ()
    # the grip MediaPipe Hands read (:func:`..features.grip.palm_grip`); None: unknown (no hands, synthetic, old shard)
    grip: float | None = None


def _frames(value, n_features: int | None = None) -> np.ndarray:
    if value is None or len(value) == 0:
        return np.zeros((0, n_features or 0), np.float32)
    return np.asarray([np.asarray(f, np.float32) for f in value], np.float32)


def row_landmarks(row: dict) -> tuple[np.ndarray, np.ndarray]:
    """One extraction row's ``(T, 132)`` image and ``(T, 99)`` world landmarks as arrays (converted once: both the
    kinematic and the shot descriptors read them)."""
    return _frames(row.get("landmarks")), _frames(row.get("world_landmarks"))


def row_shots(row: dict, features: np.ndarray, segments: np.ndarray, landmarks: tuple) -> tuple:
    """The camera shots of one extraction row (empty for rows without cuts, or from before schema 3).
    ``landmarks``: :func:`row_landmarks` of the row."""
    from ..features.descriptors import shot_descriptors

    cuts = row.get("shot_start")
    if row.get("feature_frame") is None or cuts is None or len(cuts) == 0:
        return ()
    lm, wl = landmarks
    return tuple(shot_descriptors(features, segments, np.asarray(row["feature_frame"]), lm, wl, cuts,
                                  width=row.get("width"), height=row.get("height"), fps=float(row["sample_fps"])))


def row_kinematics(row: dict, landmarks: tuple | None = None) -> np.ndarray:
    """The kinematic descriptors of one extraction row (a dict with :data:`LANDMARK_COLUMNS`)."""
    from ..features.descriptors import landmark_kinematics

    lm, wl = landmarks if landmarks is not None else row_landmarks(row)
    return landmark_kinematics(lm, wl, width=row.get("width"), height=row.get("height"), fps=float(row["sample_fps"]))


def row_grip(row: dict, landmarks: tuple | None = None) -> float | None:
    """The grip of one extraction row from its :data:`HAND_COLUMNS` (None where Hands did not run or saw too little)."""
    from ..features.grip import palm_grip

    if row.get("hand_frame") is None or row.get("hand_landmarks") is None:
        return None
    lm, wl = landmarks if landmarks is not None else row_landmarks(row)
    if len(lm) == 0 or len(wl) == 0:
        return None
    return palm_grip(np.asarray(row["hand_frame"]), _frames(row["hand_landmarks"]), lm, wl)


def videos_from_rows(rows: Sequence[dict], *, group_column: str | None = "group", labelled: bool = True,
                     train_only: bool = False) -> list[Video]:
    """Usable rows (status in USABLE_STATUSES, with features, with a label when ``labelled``) -> videos."""
    from ..classes import UnknownLabelError, normalise_label

    out = []
    for r in rows:
        if r.get("status") not in schema.USABLE_STATUSES:
            continue
        if labelled and not r.get("label"):
            continue
        feats = _frames(r.get("features"))
        if len(feats) == 0:
            continue
        seg = np.asarray(r.get("feature_segment") if r.get("feature_segment") is not None else
                         np.zeros(len(feats)), np.int32)
        group = r.get(group_column) if group_column else None
        label = r.get("label")
        try:
            label = normalise_label(label) if label else None
        except UnknownLabelError as exc:
            raise DatasetError(str(exc)) from None
        marks = row_landmarks(r)
        out.append(Video(str(r["video_id"]), str(r.get("uri") or ""), label,
                         None if group is None else str(group), feats, seg, row_kinematics(r, marks), train_only,
                         row_shots(r, feats, seg, marks), row_grip(r, marks)))
    return out


def _parquet_dataset(features_uri: str):
    """A pyarrow dataset over the shards (for the cheap, column-only scans done on the driver)."""
    import pyarrow.dataset as pads

    files = _shard_files(features_uri)
    fs, _ = storage.filesystem(features_uri)
    return pads.dataset([storage.filesystem(f)[1] for f in files], filesystem=fs, format="parquet")


def _shard_files(features_uri: str) -> list[str]:
    try:
        files = [e.uri for e in storage.list_files(features_uri, (".parquet",), recursive=False)]
    except storage.StorageError as exc:
        raise DatasetError(str(exc)) from None
    if not files:
        raise DatasetError(f"no Parquet feature shards under {features_uri} (run `exercise-classifier extract` first)")
    return files


def dataset_contract(features_uri: str) -> Preprocessing:
    """The contract in the dataset manifest, after checking that every row under ``features_uri`` was made with it."""
    import pyarrow.compute as pc

    dataset = _parquet_dataset(features_uri)   # "no shards" is the clearer message when both are missing
    contract = read_dataset_manifest(features_uri)
    found = set(pc.unique(dataset.to_table(columns=["preprocessing"])["preprocessing"]).to_pylist())
    if found != {contract.features_json()}:
        raise DatasetError(f"the shards under {features_uri} hold rows made with {len(found - {None})} different "
                           f"preprocessing settings, not only the dataset manifest's: re-extract into a new folder")
    return contract


def check_features_contract(features_uri: str, contract: Preprocessing, *, what: str) -> Preprocessing:
    """The one compatibility check: ``what`` (a model, a training set) needs features made like ``contract``."""
    found = dataset_contract(features_uri)
    contract.require_same_features(found, mine=what, theirs=f"the features in {features_uri}")
    return found


def feature_uris(features_uri: str) -> list[str]:
    """The source URI of every row under ``features_uri`` (the ``uri`` column alone)."""
    return sorted(_parquet_dataset(features_uri).to_table(columns=["uri"])["uri"].to_pylist())


def video_ids(features_uri: str) -> set[str]:
    """The content-hash ``video_id`` of every row under ``features_uri`` (the column alone)."""
    return set(_parquet_dataset(features_uri).to_table(columns=["video_id"])["video_id"].to_pylist())


def read_videos(features_uri: str, *, group_column: str | None = "group", labelled: bool = True,
                train_only: bool = False) -> list[Video]:
    """Read the usable rows under ``features_uri`` (local or s3://) with Ray Data; Ray must be initialised.

    Only the columns training needs are read. A folder extended by a newer release mixes shards of two schemas:
    the columns an older shard lacks (``shot_start``, :data:`HAND_COLUMNS`) read as nulls in its rows, whichever
    file comes first. Raises :class:`DatasetError` when there are no shards or no usable (labelled) videos.
    """
    import ray.data

    files = _shard_files(features_uri)
    fs, _ = storage.filesystem(features_uri)
    columns = list(READ_COLUMNS)
    if group_column and group_column not in columns:
        columns.append(group_column)
    ds = ray.data.read_parquet([storage.filesystem(f)[1] for f in files], filesystem=fs, columns=columns)
    rows = [r for r in ds.take_all() if r["status"] in schema.USABLE_STATUSES]
    videos = _dedupe(videos_from_rows(rows, group_column=group_column, labelled=labelled, train_only=train_only))
    if not videos:
        what = "labelled videos with usable features" if labelled else "videos with usable features"
        raise DatasetError(f"no {what} in {features_uri} ({len(files)} shard(s); statuses other than "
                           f"{'/'.join(schema.USABLE_STATUSES)} and unlabelled rows are skipped)")
    log.info("read %d usable videos from %d shard(s) under %s", len(videos), len(files), features_uri)
    return videos


def _dedupe(videos: list[Video]) -> list[Video]:
    """One entry per ``video_id`` (a content hash): a file copied into two folders must not land in two splits."""
    seen: dict[str, Video] = {}
    for v in sorted(videos, key=lambda v: (v.video_id, v.uri)):
        seen.setdefault(v.video_id, v)
    if len(seen) < len(videos):
        log.warning("%d duplicate video(s) (same content hash) ignored", len(videos) - len(seen))
    return list(seen.values())


def synthetic_videos(per_class: int, contract: Preprocessing, classes: Sequence[str] | None = None, *,
                     seed: int = 0) -> list[Video]:
    """``per_class`` synthetic landmark sequences per class, featurised through ``rows.landmarks_row``.

    The generator's clips are sampled to ``contract.sample_fps`` with the extract job's own sampling rule, then
    become rows like real videos. Each gets group ``synthetic:<class>:<i>`` and ``train_only=True`` so the split
    sends it to training only.
    """
    from ..classes import CLASSES

    rows = _synthetic_rows(classes or CLASSES, per_class, contract, seed, labelled=True)
    return videos_from_rows(rows, group_column="group", labelled=True, train_only=True)


def negative_videos(per_motion: int, contract: Preprocessing, *, seed: int = 0) -> list[Video]:
    """``per_motion`` synthetic clips of each non-exercise motion (walking, stretching ...), unlabelled, made
    exactly like :func:`synthetic_videos`: the negatives of the "none of the 22" forest."""
    from ..synth.negatives import negative_names

    rows = _synthetic_rows(negative_names(), per_motion, contract, seed, labelled=False)
    return videos_from_rows(rows, group_column="group", labelled=False, train_only=True)


def _synthetic_rows(motions: Sequence[str], per_motion: int, contract: Preprocessing, seed: int, *,
                    labelled: bool) -> list[dict]:
    from ..synth.generate import landmark_clip
    from .rows import VideoMeta, sampled_landmarks_row

    rows = []
    for name in motions:
        for i in range(per_motion):
            clip = landmark_clip(name, seed, i)
            meta = VideoMeta(uri=f"synthetic://{name}/{seed}/{i}", video_id=f"synthetic-{name}-{seed}-{i}",
                             label=name if labelled else None, group=f"{SYNTHETIC_GROUP_PREFIX}{name}:{i}",
                             width=clip.width, height=clip.height, fps=float(clip.fps),
                             frame_count=len(clip.landmarks))
            rows.append(sampled_landmarks_row(meta, clip.landmarks, clip.world, contract))
    return rows
