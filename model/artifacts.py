"""Model directories: versioned runs, an atomic ``latest`` pointer, and cheap self-contained loading.

Layout under an output URI (local or s3://)::

    <output>/runs/<UTC timestamp>/model.keras      tf-keras model (loaded with compile=False: no custom objects)
                                 /scaler.json      mean/scale, JSON (no pickle anywhere)
                                 /manifest.json    classes, feature version, window length, file names, created
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
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from .. import storage
from .scaler import Scaler
from .voting import VoteResult, vote

LATEST = "latest"
MANIFEST = "manifest.json"
MODEL_FILE = "model.keras"
SCALER_FILE = "scaler.json"
FORMAT = "exercise-classifier-model/v1"
REQUIRED = (MANIFEST, MODEL_FILE, SCALER_FILE)


class ModelDirError(UserError):
    """A model directory that cannot be used (missing files, other feature version). One line."""


def run_stamp(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def save_model_dir(output_uri: str, *, model_path: str, scaler: Scaler, classes: list[str], feature_version: str,
                   window_length: int, config: dict, extra_json: dict[str, object] | None = None,
                   extra_files: dict[str, bytes] | None = None, stamp: str | None = None) -> str:
    """Write a complete run under ``<output>/runs/<stamp>`` then point ``<output>/latest`` at it. Returns run URI."""
    stamp = stamp or run_stamp()
    run_rel = f"runs/{stamp}"
    run_uri = storage.join(output_uri, "runs", stamp)
    if storage.exists(storage.join(run_uri, MANIFEST)):
        raise ModelDirError(f"run {run_uri} already exists")
    with open(model_path, "rb") as f:
        storage.write_bytes_atomic(storage.join(run_uri, MODEL_FILE), f.read())
    storage.write_bytes_atomic(storage.join(run_uri, SCALER_FILE), scaler.to_json().encode())
    storage.write_json_atomic(storage.join(run_uri, "config.json"), config)
    for name, obj in (extra_json or {}).items():
        storage.write_json_atomic(storage.join(run_uri, name), obj)
    for name, data in (extra_files or {}).items():
        storage.write_bytes_atomic(storage.join(run_uri, name), data)
    manifest = {
        "format": FORMAT, "run": run_rel, "created": datetime.now(timezone.utc).isoformat(),
        "classes": list(classes), "feature_version": feature_version, "window_length": int(window_length),
        "n_features": int(len(scaler.mean)), "keras": "tf_keras", "model_file": MODEL_FILE,
        "scaler_file": SCALER_FILE,
    }
    storage.write_json_atomic(storage.join(run_uri, MANIFEST), manifest)  # last file of the run
    storage.write_json_atomic(storage.join(output_uri, LATEST),
                              {"run": run_rel, "feature_version": feature_version, "updated": manifest["created"]})
    return run_uri


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


@dataclass
class LoadedModel:
    """A trained model ready to predict: give it raw (unscaled) windows, get class probabilities."""

    model: object
    scaler: Scaler
    classes: list[str]
    feature_version: str
    window_length: int
    run_uri: str
    manifest: dict
    local_dir: str
    extras: dict = field(default_factory=dict)

    def predict_windows(self, windows: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """``(N, window_length, F)`` raw windows -> ``(N, n_classes)`` probabilities (float32)."""
        windows = np.asarray(windows, np.float32)
        if len(windows) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        if windows.ndim != 3 or windows.shape[1:] != (self.window_length, len(self.scaler.mean)):
            raise ValueError(f"windows must be (N, {self.window_length}, {len(self.scaler.mean)}), "
                             f"got {windows.shape}")
        x = self.scaler.transform(windows)
        return np.asarray(self.model.predict(x, batch_size=batch_size, verbose=0), np.float32)

    def predict_video(self, features: np.ndarray, segments: np.ndarray | None = None, window_cfg=None) -> VoteResult:
        """One video's per-frame features -> voted prediction (raises when no window can be made)."""
        from .config import WindowConfig
        from .windows import make_windows

        cfg = window_cfg or WindowConfig(length=self.window_length)
        return vote(self.predict_windows(make_windows(features, segments, cfg)))

    def check_feature_version(self, version: str, what: str = "the features") -> None:
        if version != self.feature_version:
            raise ModelDirError(f"{what} have feature_version {version} but the model at {self.run_uri} was trained "
                                f"on {self.feature_version}: re-extract, or use a model of that version")

    def close(self) -> None:
        shutil.rmtree(self.local_dir, ignore_errors=True)


def load_model_dir(uri: str, *, check_code_version: bool = True) -> LoadedModel:
    """Resolve ``latest`` if needed, copy the run to a local temp dir, load it with tf-keras.

    Raises :class:`ModelDirError` when files are missing or the model's feature version differs from the
    running code's ``features.table.FEATURE_VERSION`` (features would mean something else).
    """
    run_uri = resolve_run(uri)
    try:
        manifest = storage.read_json(storage.join(run_uri, MANIFEST))
    except (OSError, ValueError) as exc:
        raise ModelDirError(f"cannot read {MANIFEST} of {run_uri}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise ModelDirError(f"{run_uri} is not an exercise-classifier model (format {manifest.get('format')!r})")
    if check_code_version:
        from ..features.table import FEATURE_VERSION

        if manifest["feature_version"] != FEATURE_VERSION:
            raise ModelDirError(f"model at {run_uri} was trained on feature_version {manifest['feature_version']} "
                                f"but this code computes {FEATURE_VERSION}: retrain, or run the matching release")
    local = tempfile.mkdtemp(prefix="exc-loaded-")
    try:
        for name in (MODEL_FILE, SCALER_FILE):
            src = storage.join(run_uri, name)
            if not storage.exists(src):
                raise ModelDirError(f"model directory {run_uri} lacks {name}")
            fs, path = storage.filesystem(src)
            with fs.open_input_stream(path) as fin, open(os.path.join(local, name), "wb") as fout:
                shutil.copyfileobj(fin, fout, 8 << 20)
        with open(os.path.join(local, SCALER_FILE)) as f:
            scaler = Scaler.from_json(f.read())
        from .network import keras_module

        model = keras_module().models.load_model(os.path.join(local, MODEL_FILE), compile=False)
    except BaseException:
        shutil.rmtree(local, ignore_errors=True)
        raise
    return LoadedModel(model, scaler, list(manifest["classes"]), manifest["feature_version"],
                       int(manifest["window_length"]), run_uri, manifest, local)


def read_run_json(run_uri: str, name: str):
    """A JSON file of a run (history, split, metrics, config), or None when absent."""
    uri = storage.join(run_uri, name)
    return storage.read_json(uri) if storage.exists(uri) else None
