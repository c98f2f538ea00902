"""Extraction shards -> per-video feature sequences for training and evaluation.

Only what the model may see leaves this module as model input: the per-frame ``features`` and their
``feature_segment`` ids. ``label`` is the target, ``group``/``video_id``/``uri`` only steer the split and the
reports; nothing derived from labels or file names is ever concatenated to the features.

Synthetic sequences (``train --synthetic N``) are turned into extraction rows by :func:`rows.landmarks_row`, the
same function the extract job uses for real videos, so they are featurised by exactly the same code.
"""

from __future__ import annotations

from ..errors import UserError

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import storage
from . import schema

log = logging.getLogger(__name__)

READ_COLUMNS = ["video_id", "uri", "label", "group", "status", "features", "feature_segment", "feature_version"]
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
    feature_version: str
    synthetic: bool = False


def _frames(value, n_features: int | None = None) -> np.ndarray:
    if value is None or len(value) == 0:
        return np.zeros((0, n_features or 0), np.float32)
    return np.asarray([np.asarray(f, np.float32) for f in value], np.float32)


def videos_from_rows(rows: Sequence[dict], *, group_column: str | None = "group", labelled: bool = True,
                     synthetic: bool = False) -> list[Video]:
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
        out.append(Video(str(r["video_id"]), str(r.get("uri") or ""), label,
                         None if group is None else str(group), feats, seg, str(r.get("feature_version")),
                         synthetic))
    return out


def _read_rows_ray(paths: list[str], fs, columns: list[str]) -> list[dict]:
    import ray.data

    ds = ray.data.read_parquet(paths, filesystem=fs).select_columns(columns)
    return ds.filter(lambda r: r["status"] in schema.USABLE_STATUSES).take_all()


def _guard_fsspec_http() -> None:
    """Work around a Ray Data 2.60 race: its threaded file listing imports ``fsspec.implementations.http``.

    Without ``aiohttp`` (not in our pinned set) that import fails; a thread that races another one importing it
    sees the half-initialised module and gets ``ImportError: cannot import name 'HTTPFileSystem'`` instead of the
    ``ModuleNotFoundError`` Ray expects, and the whole read fails (seen with 8 local shards). Marking the module
    as absent makes every later import fail the expected way, deterministically. No effect when aiohttp exists.
    """
    import sys

    if "fsspec.implementations.http" in sys.modules:
        return
    try:
        import fsspec.implementations.http  # noqa: F401
    except ImportError:
        sys.modules["fsspec.implementations.http"] = None  # type: ignore[assignment]


def read_videos(features_uri: str, *, group_column: str | None = "group", labelled: bool = True) -> list[Video]:
    """Read the shards under ``features_uri`` (local or s3://) with Ray Data; Ray must be initialised.

    Raises :class:`DatasetError` when there are no shards or no usable (labelled) videos.
    """
    try:
        files = [e.uri for e in storage.list_files(features_uri, (".parquet",))]
    except storage.StorageError as exc:
        raise DatasetError(str(exc)) from None
    if not files:
        raise DatasetError(f"no Parquet feature shards under {features_uri} (run `exercise-classifier extract` first)")
    _guard_fsspec_http()
    fs, _ = storage.filesystem(features_uri)
    paths = [storage.filesystem(f)[1] for f in files]
    columns = list(READ_COLUMNS)
    if group_column and group_column not in columns:
        columns.append(group_column)
    try:
        rows = _read_rows_ray(paths, fs, columns)
    except Exception as exc:  # noqa: BLE001 - Ray wraps errors in many types; report one line
        if "HTTPFileSystem" not in str(exc):
            log.debug("read_parquet failed", exc_info=True)
            raise DatasetError(f"cannot read feature shards under {features_uri}: {str(exc).splitlines()[0]}") \
                from None
        # The race described in _guard_fsspec_http, this time inside Ray's ListFiles task (a worker process
        # where the driver's guard does not reach). Same rows through the storage layer's pyarrow reader.
        log.warning("Ray Data file listing hit its fsspec import race; reading the shards with pyarrow instead")
        table = storage.read_parquet_dir(features_uri, columns=columns)
        rows = [r for r in table.to_pylist() if r["status"] in schema.USABLE_STATUSES]
    videos = _dedupe(videos_from_rows(rows, group_column=group_column, labelled=labelled))
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


def check_feature_version(videos: Sequence[Video], expected: str, *, what: str = "the running code") -> None:
    """All videos must carry feature version ``expected`` (features of different versions are not comparable)."""
    found = sorted({v.feature_version for v in videos})
    if found != [expected]:
        other = [f for f in found if f != expected]
        raise DatasetError(f"features have feature_version {', '.join(other)} but {what} uses {expected}: "
                           f"re-extract the features (or use a model trained on version {', '.join(other)})")


def synthetic_videos(per_class: int, classes: Sequence[str] | None = None, *, seed: int = 0,
                     settings=None) -> list[Video]:
    """``per_class`` synthetic landmark sequences per class, featurised through ``rows.landmarks_row``.

    The generator's clips are sampled to ``settings.sample_fps`` with the extract job's own sampling rule, then
    become rows like real videos. Each gets group ``synthetic:<class>:<i>`` and ``synthetic=True`` so the split
    sends it to training only.
    """
    from ..classes import CLASSES
    from ..synth.generate import landmark_clip
    from .decode import sample_mask_step
    from .rows import FeatureSettings, VideoMeta, landmarks_row

    settings = settings or FeatureSettings()
    rows = []
    for label in (classes or CLASSES):
        for i in range(per_class):
            clip = landmark_clip(label, seed, i)
            keep = np.array([sample_mask_step(k, clip.fps, settings.sample_fps) for k in range(len(clip.landmarks))])
            idx = np.flatnonzero(keep)
            meta = VideoMeta(uri=f"synthetic://{label}/{seed}/{i}", video_id=f"synthetic-{label}-{seed}-{i}",
                             label=label, group=f"{SYNTHETIC_GROUP_PREFIX}{label}:{i}", width=clip.width,
                             height=clip.height, fps=float(clip.fps), frame_count=len(clip.landmarks))
            world = None if clip.world is None else clip.world[idx]
            rows.append(landmarks_row(meta, clip.landmarks[idx], world, idx, settings))
    return videos_from_rows(rows, group_column="group", labelled=True, synthetic=True)
