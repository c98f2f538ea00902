"""Resumable output: which videos a job still has to do, and shard writes that never duplicate a row.

A job's output is a folder of Parquet shards, each written atomically (complete or absent). Re-running a job on the
same output therefore only has to look at what is there:

* a video whose row has a *final* status (:data:`schema.FINAL_STATUSES`) is done and never planned again;
* a video whose row has a *retryable* status (``error``: a storage read that failed after its retries, a lost
  worker, a bug) is left alone by default, so a resumed job never repeats work by surprise, and redone with
  ``--retry-failed``;
* every other video is new and goes into a new shard named after its members.

A retried video goes back into the shard that holds its failed row: the shard is rewritten (atomically, under the
same name) with the other rows kept and the retried rows replaced. A crash at any point leaves either the old or
the new shard, never both, so no re-run can produce two rows for one video.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import storage
from ..errors import require
from . import schema
from .inputs import VideoTask


@dataclass(frozen=True)
class OutputState:
    """What an output folder already holds: shard name -> {uri: status}."""

    shards: dict[str, dict[str, str]]

    def statuses(self) -> dict[str, str]:
        return {uri: st for rows in self.shards.values() for uri, st in rows.items()}

    def counts(self) -> Counter:
        return Counter(self.statuses().values())


def scan_output(output_uri: str) -> OutputState:
    """Read only the ``uri`` and ``status`` columns of every shard under ``output_uri``."""
    shards: dict[str, dict[str, str]] = {}
    if not (storage.is_s3(output_uri) or storage.exists(output_uri)):
        return OutputState(shards)
    fs, _ = storage.filesystem(output_uri)
    for entry in storage.list_files(output_uri, (".parquet",), recursive=False):
        t = pq.read_table(storage.filesystem(entry.uri)[1], columns=["uri", "status"], filesystem=fs)
        shards[storage.basename(entry.uri)] = dict(zip(t.column("uri").to_pylist(), t.column("status").to_pylist()))
    return OutputState(shards)


@dataclass(frozen=True)
class ShardSpec:
    """A unit of work: a few videos whose rows land together in one Parquet shard.

    ``replaces``: the shard exists and holds failed rows of these videos; keep its other rows, replace these.
    """

    name: str
    videos: tuple[VideoTask, ...]
    replaces: bool = False

    def to_item(self) -> dict:
        return {"shard": self.name, "videos": json.dumps([v.to_dict() for v in self.videos]),
                "replaces": self.replaces}

    @staticmethod
    def videos_from_item(item: dict) -> list[VideoTask]:
        return [VideoTask(**d) for d in json.loads(item["videos"])]


@dataclass(frozen=True)
class Plan:
    shards: list[ShardSpec]
    already_done: int          # videos with a row that this run leaves as it is
    retrying: int              # failed videos this run redoes (--retry-failed)
    retryable_left: int        # failed videos left as they are (no --retry-failed)

    @property
    def todo(self) -> int:
        return sum(len(s.videos) for s in self.shards)


def plan_shards(tasks: list[VideoTask], state: OutputState, videos_per_shard: int, *, prefix: str = "part",
                retry_failed: bool = False) -> Plan:
    """Split ``tasks`` into shards to (re)write, given what the output already holds (see module docstring)."""
    require(videos_per_shard >= 1, f"videos per shard must be >= 1, got {videos_per_shard}")
    by_uri = {t.uri: t for t in tasks}
    seen: set[str] = set()
    specs: list[ShardSpec] = []
    retrying = retryable_left = 0
    for name, rows in sorted(state.shards.items()):
        seen.update(rows)
        failed = [by_uri[u] for u, st in sorted(rows.items()) if st in schema.RETRYABLE_STATUSES and u in by_uri]
        if failed and retry_failed:
            specs.append(ShardSpec(name, tuple(failed), replaces=True))
            retrying += len(failed)
        else:
            retryable_left += len(failed)
    todo = [t for t in tasks if t.uri not in seen]
    for i in range(0, len(todo), videos_per_shard):
        members = tuple(todo[i:i + videos_per_shard])
        key = json.dumps([(m.uri, m.size, m.mtime_ns, m.label, m.group) for m in members]).encode()
        specs.append(ShardSpec(f"{prefix}-{hashlib.sha256(key).hexdigest()[:20]}.parquet", members))
    done = sum(1 for t in tasks if t.uri in seen) - retrying
    return Plan(specs, done, retrying, retryable_left)


def write_shard(output_uri: str, name: str, table: pa.Table, *, replaces: bool = False) -> None:
    """Write ``table`` as shard ``name``; with ``replaces``, merged into the existing shard of that name."""
    uri = storage.join(output_uri, name)
    if replaces and storage.exists(uri):
        fs, path = storage.filesystem(uri)
        old = pq.read_table(path, filesystem=fs)
        keep = old.filter(pc.invert(pc.is_in(old["uri"], value_set=table["uri"])))
        table = pa.concat_tables([keep, table.select(keep.column_names).cast(keep.schema)])
    table = table.sort_by("uri")
    storage.write_parquet_atomic(uri, table)
