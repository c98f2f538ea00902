"""Model directories: versioned runs, an atomic ``latest`` pointer, and cheap self-contained loading.

Layout under an output URI (local or s3://)::

    <output>/runs/<UTC timestamp>/model.keras      tf-keras model (scored by model/numpy_network.py, no TensorFlow)
                                 /manifest.json    classes, the preprocessing contract (sampling, pose, cleaning,
                                                   feature version, windows, fitted scaler: JSON, no pickle), created
                                 /config.json      the full training Config
                                 /history.json     per-epoch metrics
                                 /split.json       video ids per split
                                 /metrics.json     test-split evaluation (every number)
                                 /report.html      self-contained report
    <output>/latest                                JSON {"run": "runs/<ts>", ...}, written LAST and atomically

Why: scheduled re-training writes a *new* run; a scoring job that resolved ``latest`` keeps using its run, and
the pointer only flips once every file of the new run is complete.
"""

from __future__ import annotations

from ..errors import UserError

import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import numpy as np

from .. import storage
from ..contract import ContractError, Preprocessing

LATEST = "latest"
MANIFEST = "manifest.json"
MODEL_FILE = "model.keras"
STATS_FILE = "forest.npz"
NONE_FILE = "none_of_22.npz"
FORMAT = "exercise-classifier-model/v2"  # v2: the manifest holds the whole preprocessing contract


class ModelDirError(UserError):
    """A model directory that cannot be used (missing files, other feature version). One line."""


def run_stamp(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def save_model_dir(output_uri: str, *, model_path: str, contract: Preprocessing, classes: list[str],
                   config: dict, stats_model=None, stats_weight: float = 0.0,
                   extra_json: dict[str, object] | None = None,
                   extra_files: dict[str, bytes] | None = None, stamp: str | None = None,
                   promote: bool = True) -> str:
    """Write a complete run under ``<output>/runs/<stamp>`` then (``promote``) point ``<output>/latest`` at it.
    Returns the run URI. ``promote=False`` leaves ``latest`` alone: the re-training job's gate decides.

    ``contract`` must carry the fitted scaler: a model without its scaler cannot be used. ``stats_model`` (a
    :class:`.stats_model.StatsModel`) is stored as ``forest.npz`` and blended in with ``stats_weight``.
    """
    if contract.scaler is None:
        raise ContractError("a model's preprocessing contract must include its fitted scaler")
    stamp = stamp or run_stamp()
    run_rel = f"runs/{stamp}"
    run_uri = storage.join(output_uri, "runs", stamp)
    if storage.exists(storage.join(run_uri, MANIFEST)):
        raise ModelDirError(f"run {run_uri} already exists")
    with open(model_path, "rb") as f:
        storage.write_bytes_atomic(storage.join(run_uri, MODEL_FILE), f.read())
    storage.write_json_atomic(storage.join(run_uri, "config.json"), config)
    members: dict = {"network": {"file": MODEL_FILE}}
    if stats_model is not None:
        with tempfile.TemporaryDirectory() as d:
            local = os.path.join(d, STATS_FILE)
            stats_model.save(local)
            with open(local, "rb") as f:
                storage.write_bytes_atomic(storage.join(run_uri, STATS_FILE), f.read())
            if stats_model.none_forest is not None:
                write_none_forest(run_uri, stats_model.none_forest, d)
        members["stats"] = stats_member_entry(stats_model, stats_weight)
    for name, obj in (extra_json or {}).items():
        storage.write_json_atomic(storage.join(run_uri, name), obj)
    for name, data in (extra_files or {}).items():
        storage.write_bytes_atomic(storage.join(run_uri, name), data)
    manifest = {
        "format": FORMAT, "run": run_rel, "created": datetime.now(timezone.utc).isoformat(),
        "classes": list(classes), "preprocessing": contract.to_dict(), "keras": "tf_keras", "model_file": MODEL_FILE,
        "members": members,
    }
    storage.write_json_atomic(storage.join(run_uri, MANIFEST), manifest)  # last file of the run
    if promote:
        point_latest(output_uri, run_rel)
    return run_uri


def point_latest(output_uri: str, run_rel: str) -> None:
    """Switch ``<output>/latest`` (what ``score --model <output>`` uses) to a complete run, in one atomic write."""
    manifest_uri = storage.join(output_uri, *run_rel.split("/"), MANIFEST)
    if not storage.exists(manifest_uri):
        raise ModelDirError(f"{run_rel} under {output_uri} is not a complete run (no {MANIFEST})")
    storage.write_json_atomic(storage.join(output_uri, LATEST),
                              {"run": run_rel, "updated": datetime.now(timezone.utc).isoformat()})


def run_relative(output_uri: str, run_uri: str) -> str:
    """``runs/<stamp>`` of a run URI under ``output_uri``."""
    base = output_uri.rstrip("/") + "/"
    if not run_uri.startswith(base):
        raise ModelDirError(f"run {run_uri} is not under {output_uri}")
    return run_uri[len(base):].strip("/")


def stats_member_entry(stats_model, weight: float) -> dict:
    """The manifest's ``members.stats``: its file, blend weight, settings, and the descriptor layout it reads."""
    from ..features.descriptors import DESCRIPTORS_VERSION, NUM_DESCRIPTORS

    entry = {"file": STATS_FILE, "weight": float(weight), "mirror_tta": stats_model.mirror_tta,
             "temperature": float(stats_model.temperature), "descriptors": DESCRIPTORS_VERSION,
             "num_descriptors": NUM_DESCRIPTORS}
    if stats_model.none_forest is not None:
        entry["none_of_22"] = {"file": NONE_FILE, "threshold": float(stats_model.none_threshold)}
    return entry


def write_none_forest(run_uri: str, forest, tmp_dir: str) -> None:
    """Store the statistics member's "none of the 22" forest (``none_of_22.npz``) in a run."""
    local = os.path.join(tmp_dir, NONE_FILE)
    forest.save(local)
    with open(local, "rb") as f:
        storage.write_bytes_atomic(storage.join(run_uri, NONE_FILE), f.read())


def _check_stats_member(member: dict, run_uri: str) -> None:
    from ..features.descriptors import DESCRIPTORS_VERSION

    found = member.get("descriptors", "features-1.0-stats (before kinematics)")
    if found != DESCRIPTORS_VERSION:
        raise ModelDirError(f"the statistics member of {run_uri} reads per-video descriptors {found!r}, this code "
                            f"computes {DESCRIPTORS_VERSION!r}: retrain the model (or refit its statistics member)")


def resolve_run(uri: str) -> str:
    """A run URI from either a run directory (has manifest.json) or an output root (has ``latest``)."""
    uri = uri.rstrip("/")
    if storage.exists(storage.join(uri, MANIFEST)):
        return uri
    latest = storage.join(uri, LATEST)
    if storage.exists(latest):
        try:
            run = storage.read_json(latest)["run"]
        except (ValueError, KeyError, TypeError):
            raise ModelDirError(f"{latest} is not a valid pointer file") from None
        return storage.join(uri, *run.split("/"))
    raise ModelDirError(f"no model at {uri} (neither {MANIFEST} nor a '{LATEST}' pointer)")


def read_manifest(uri: str) -> tuple[str, dict, Preprocessing]:
    """Resolve ``uri`` to a run and read its manifest and contract, without TensorFlow (cheap, driver side).

    Refuses a run whose features this code cannot compute (another feature version or width).
    """
    run_uri = resolve_run(uri)
    try:
        manifest = storage.read_json(storage.join(run_uri, MANIFEST))
    except (OSError, ValueError) as exc:
        raise ModelDirError(f"cannot read {MANIFEST} of {run_uri}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise ModelDirError(f"{run_uri} is not an exercise-classifier model of format {FORMAT} "
                            f"(found {manifest.get('format')!r}): retrain it with this release")
    contract = Preprocessing.from_dict(manifest["preprocessing"])
    contract.require_current_code(what=f"the model at {run_uri} and its features")
    if contract.scaler is None:
        raise ModelDirError(f"the model at {run_uri} has no fitted scaler in its manifest")
    return run_uri, manifest, contract


@dataclass
class LoadedModel:
    """A trained model ready to predict: give it raw (unscaled) windows, get class probabilities."""

    network: object             # callable: scaled windows -> probabilities (:func:`.network.load_predictor`)
    contract: Preprocessing     # how its input was made, its windows and its scaler
    classes: list[str]
    run_uri: str
    manifest: dict
    local_dir: str
    stats: object = None        # StatsModel, the per-video statistics member (None: network only)
    stats_weight: float = 0.0
    extras: dict = field(default_factory=dict)

    def predict_windows(self, windows: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """``(N, window_length, F)`` raw windows -> ``(N, n_classes)`` probabilities (float32)."""
        windows = np.asarray(windows, np.float32)
        if len(windows) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        shape = (self.contract.windows.length, self.contract.n_features)
        if windows.ndim != 3 or windows.shape[1:] != shape:
            raise ValueError(f"windows must be (N, {shape[0]}, {shape[1]}), got {windows.shape}")
        n = len(windows)
        return self.predict_frames(windows.reshape(n * shape[0], shape[1]),
                                   np.arange(n * shape[0]).reshape(n, shape[0]), batch_size)

    def predict_frames(self, frames: np.ndarray, index: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """``(M, F)`` raw frames and ``(N, window_length)`` frame numbers of each window
        (:func:`.windows.window_index`) -> ``(N, n_classes)``: the windows ``frames[index]`` without building them,
        each frame scaled (and, in numpy, projected into the first layer) once."""
        index = np.asarray(index, np.int64)
        if len(index) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        return self.network.predict_indexed(self.contract.scaler.transform(frames), index, batch_size)

    def predict_video(self, features: np.ndarray, segments: np.ndarray | None, kinematics: np.ndarray):
        """One video's per-frame features -> the model's :class:`.voting.Decision` (None: nothing could answer)."""
        return self.decide_videos([(features, segments, kinematics)])[0][0]

    def decide_videos(self, videos: list[tuple[np.ndarray, np.ndarray | None, np.ndarray]], *,
                      window_probs: bool = True, shots: list | None = None, grips: list | None = None):
        """Label many videos at once: one ``predict`` over all their windows, one forest pass over their descriptors.

        ``videos``: ``(features (T, F), segments (T,), kinematics (NUM_KINEMATIC,))`` (T may be 0). Returns
        ``(decisions, window_probs)``: a :class:`.voting.Decision` or None per video, and each video's ``(W, C)``
        window probabilities. ``window_probs=False``: the caller needs only the decisions, so the network is not run
        where it cannot change them (the statistics member decides alone, ``stats_weight`` 1); the returned window
        probabilities are then empty. ``shots``: per video, its camera shots as
        :func:`..features.descriptors.shot_descriptors` gives them (empty: one shot); the statistics member then
        labels a montage shot by shot (:meth:`.stats_model.StatsModel.video_proba`). ``grips``: per video, the
        grip MediaPipe Hands read (:func:`..features.grip.palm_grip`, None: unknown); it orders the curl pair in the
        statistics member's probabilities (:mod:`.grip_rule`).
        """
        from ..features.descriptors import video_descriptors
        from .voting import decide
        from .windows import stacked_window_index

        network_decides = self.stats is None or self.stats_weight < 1.0
        todo = [i for i, (f, _, _) in enumerate(videos) if len(f)] if window_probs or network_decides else []
        frames, index, counts = stacked_window_index([videos[i][:2] for i in todo], self.contract.windows)
        probs = self.predict_frames(frames, index)
        per_video = np.zeros(len(videos), np.int64)
        per_video[todo] = counts
        bounds = np.cumsum(np.r_[0, per_video])
        window_probs = [probs[bounds[i]:bounds[i + 1]] for i in range(len(videos))]
        stats_probs: list = [None] * len(videos)
        not_exercise: list = [None] * len(videos)
        if self.stats is not None:
            have = [i for i, (f, _, _) in enumerate(videos) if len(f)]
            if have:
                x = np.stack([video_descriptors(*videos[i]) for i in have])
                p = self.stats.video_proba(x, [shots[i] for i in have] if shots else None)
                if grips is not None:
                    from .grip_rule import order_pair_by_grip

                    p = order_pair_by_grip(p, [grips[i] for i in have], self.classes)
                q = self.stats.none_probability(x)
                for k, i in enumerate(have):
                    stats_probs[i] = p[k]
                    not_exercise[i] = None if q is None else float(q[k])
        decisions = [decide(w, s, self.stats_weight) for w, s in zip(window_probs, stats_probs)]
        decisions = [d if d is None or q is None else replace(d, not_exercise=q) for d, q in zip(decisions, not_exercise)]
        return decisions, window_probs

    def close(self) -> None:
        shutil.rmtree(self.local_dir, ignore_errors=True)


def load_model_dir(uri: str, engine: str = "auto") -> LoadedModel:
    """Resolve ``latest`` if needed, check the manifest (:func:`read_manifest`), copy the model file to a local
    temp dir and load it (``engine``: :func:`.network.load_predictor`; by default without TensorFlow)."""
    run_uri, manifest, contract = read_manifest(uri)
    local = tempfile.mkdtemp(prefix="exc-loaded-")
    try:
        if not storage.exists(storage.join(run_uri, MODEL_FILE)):
            raise ModelDirError(f"model directory {run_uri} lacks {MODEL_FILE}")
        _fetch(run_uri, MODEL_FILE, local)
        from .network import load_predictor

        network = load_predictor(os.path.join(local, MODEL_FILE), engine)
        stats, weight = None, 0.0
        member = (manifest.get("members") or {}).get("stats")
        if member:
            from .stats_model import StatsModel

            _check_stats_member(member, run_uri)
            none = member.get("none_of_22") or {}
            stats = StatsModel.load(_fetch(run_uri, member["file"], local), len(manifest["classes"]),
                                    bool(member.get("mirror_tta", True)), float(member.get("temperature", 1.0)),
                                    _fetch(run_uri, none["file"], local) if none else None,
                                    float(none.get("threshold", 0.5)))
            weight = float(member["weight"])
    except BaseException:
        shutil.rmtree(local, ignore_errors=True)
        raise
    return LoadedModel(network, contract, list(manifest["classes"]), run_uri, manifest, local, stats, weight)


def _fetch(run_uri: str, name: str, local_dir: str) -> str:
    """Copy one file of a run (local or S3) into ``local_dir``; returns the local path."""
    fs, path = storage.filesystem(storage.join(run_uri, name))
    out = os.path.join(local_dir, os.path.basename(name))
    with fs.open_input_stream(path) as fin, open(out, "wb") as fout:
        shutil.copyfileobj(fin, fout, 8 << 20)
    return out


def read_run_json(run_uri: str, name: str):
    """A JSON file of a run (history, split, metrics, config), or None when absent."""
    uri = storage.join(run_uri, name)
    return storage.read_json(uri) if storage.exists(uri) else None
