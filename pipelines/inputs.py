"""Which videos a job will process, with their labels: decided on the driver, before any expensive work.

Labels come from the parent folder name (``<label>/<clip>.mp4``, the Kaggle layout), from a manifest (CSV or
Parquet with ``uri`` or ``path`` relative to the input, ``label``, optional ``group``), or nowhere (an unlabelled
archive). All names are normalised to the 22 canonical classes here; unknown names are one clear error that
lists every one of them.

Labels are metadata for training and evaluation only. Nothing here is passed to the feature computation.
"""

from __future__ import annotations

from ..errors import UserError

import hashlib
import io
import json
from dataclasses import asdict, dataclass

from ..classes import UnknownLabelError, normalise_labels
from .. import storage

LABELS_FOLDER = "folder"
LABELS_NONE = "none"


class InputError(UserError):
    """An input problem the user must fix; safe one-line message."""


@dataclass(frozen=True)
class VideoTask:
    uri: str
    size: int
    mtime_ns: int | None = None
    label: str | None = None
    group: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _read_manifest(manifest_uri: str):
    import pandas as pd

    data = storage.read_bytes(manifest_uri)
    if manifest_uri.lower().endswith(".parquet"):
        df = pd.read_parquet(io.BytesIO(data))
    else:
        df = pd.read_csv(io.BytesIO(data))
    if "label" not in df.columns or not ({"uri", "path"} & set(df.columns)):
        raise InputError(f"manifest {manifest_uri} needs columns 'label' and 'uri' (or 'path'); has {list(df.columns)}")
    return df


def discover(input_uri: str, labels: str = LABELS_FOLDER, *, group_column: str = "group") -> list[VideoTask]:
    """List video files under ``input_uri`` and attach labels/groups. Raises before any work on bad labels."""
    try:
        entries = storage.list_files(input_uri, storage.VIDEO_EXTENSIONS)
    except storage.StorageError as exc:
        raise InputError(str(exc)) from None
    if not entries:
        raise InputError(f"no video files ({', '.join(storage.VIDEO_EXTENSIONS)}) under {input_uri}")

    if labels == LABELS_NONE:
        return [VideoTask(e.uri, e.size, e.mtime_ns) for e in entries]

    if labels == LABELS_FOLDER:
        raw = [storage.parent_name(e.uri) for e in entries]
        try:
            names = normalise_labels(raw)
        except UnknownLabelError as exc:
            raise InputError(f"{exc} (from folder names; use --labels none for an unlabelled archive)") from None
        return [VideoTask(e.uri, e.size, e.mtime_ns, label=n) for e, n in zip(entries, names)]

    # a manifest
    df = _read_manifest(labels)
    by_uri = {e.uri: e for e in entries}
    rows = []
    for rec in df.to_dict("records"):
        uri = rec.get("uri") or storage.join(input_uri, str(rec["path"]))
        if storage.is_s3(uri) is False:
            import os

            uri = os.path.abspath(uri)
        rows.append((uri, rec.get("label"), rec.get(group_column)))
    try:
        names = normalise_labels([None if (lab is None or lab != lab) else str(lab) for _, lab, _ in rows])
    except UnknownLabelError as exc:
        raise InputError(f"{exc} (from manifest {labels})") from None
    missing = [u for u, _, _ in rows if u not in by_uri]
    if missing:
        raise InputError(f"{len(missing)} manifest entries have no video under {input_uri}, e.g. {missing[0]}")
    tasks = []
    for (uri, _, group), name in zip(rows, names):
        e = by_uri[uri]
        group = None if group is None or group != group else str(group)
        tasks.append(VideoTask(e.uri, e.size, e.mtime_ns, label=name, group=group))
    return sorted(tasks, key=lambda t: t.uri)


@dataclass(frozen=True)
class ShardSpec:
    """A unit of work: a few videos whose rows land together in one Parquet shard."""

    name: str
    videos: tuple[VideoTask, ...]

    def to_item(self) -> dict:
        return {"shard": self.name, "videos": json.dumps([v.to_dict() for v in self.videos])}

    @staticmethod
    def videos_from_item(item: dict) -> list[VideoTask]:
        return [VideoTask(**d) for d in json.loads(item["videos"])]


def done_uris(output_uri: str) -> set[str]:
    """Source URIs already present in the Parquet shards under ``output_uri`` (empty when there are none)."""
    table = storage.read_parquet_dir(output_uri, columns=["uri"])
    return set() if table is None else set(table.column("uri").to_pylist())


def plan_shards(tasks: list[VideoTask], done_uris: set[str], videos_per_shard: int,
                prefix: str = "part") -> list[ShardSpec]:
    """Group the videos not yet done into shards whose names derive from their members.

    A re-run after a crash plans the same or new names for the remaining videos and never the name of a shard
    that exists with other content, so rows are never duplicated; a shard rewritten after a retried task gets
    the same name and replaces itself atomically.
    """
    if videos_per_shard < 1:
        raise InputError("videos per shard must be >= 1")
    todo = [t for t in tasks if t.uri not in done_uris]
    specs = []
    for i in range(0, len(todo), videos_per_shard):
        members = tuple(todo[i:i + videos_per_shard])
        key = json.dumps([(m.uri, m.size, m.mtime_ns, m.label, m.group) for m in members]).encode()
        specs.append(ShardSpec(f"{prefix}-{hashlib.sha256(key).hexdigest()[:20]}.parquet", members))
    return specs
