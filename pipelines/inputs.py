"""Which videos a job will process, with their labels: decided on the driver, before any expensive work.

Labels come from the parent folder name (``<label>/<clip>.mp4``, the Kaggle layout), from a manifest (CSV or
Parquet with ``uri`` or ``path`` relative to the input, ``label``, optional ``group``), or nowhere (an unlabelled
archive). All names are normalised to the 22 canonical classes here; unknown names are one clear error that
lists every one of them.

Labels are metadata for training and evaluation only. Nothing here is passed to the feature computation.
"""

from __future__ import annotations

from ..errors import UserError

import io
import os
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
        if not storage.is_s3(uri):
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
