"""``exercise-classifier score``: label a video library (or existing feature shards) with a trained model.

Composition (the video half is the *same* stage as ``extract``, not a copy):

    inputs.discover -> inputs.plan_shards (skip videos already scored)
    Ray Data: from_items(shard specs)
              . map_batches(PoseActor)      pose actors, one per CPU, no TensorFlow in them
              . map_batches(ModelActor)     model loaded once per actor; windows of many videos in one predict()
    driver:   groups prediction rows by shard, writes each shard atomically when all its videos are in

With ``--features URI`` the pose half is skipped and rows come from extraction shards.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import asdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import storage
from . import schema
from .inputs import LABELS_NONE, InputError, discover, done_uris, plan_shards
from .pose import PoseSettings
from .rows import FeatureSettings
from .runtime import add_ray_arguments

log = logging.getLogger(__name__)

SUMMARY_NAME = "_summary.json"
LABELS_AUTO = "auto"

PREDICTION_SCHEMA = pa.schema([
    pa.field("uri", pa.string(), nullable=False),
    pa.field("video_id", pa.string()),
    pa.field("label", pa.string()),                 # the known label, when the library has one (for evaluation)
    pa.field("status", pa.string(), nullable=False),  # extraction status, or "no_windows"
    pa.field("error", pa.string()),
    pa.field("predicted_label", pa.string()),
    pa.field("confidence", pa.float32()),
    pa.field("uncertain", pa.bool_()),
    pa.field("top3_labels", pa.list_(pa.string())),
    pa.field("top3_scores", pa.list_(pa.float32())),
    pa.field("num_windows", pa.int32()),
    pa.field("window_labels", pa.list_(pa.string())),
    pa.field("window_confidences", pa.list_(pa.float32())),
    pa.field("model", pa.string()),
    pa.field("feature_version", pa.string()),
])
STATUS_NO_WINDOWS = "no_windows"


def add_arguments(p) -> None:
    p.add_argument("--model", default=None, help="model directory URI (default: the shipped default model)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help="folder or s3:// prefix of videos to label")
    src.add_argument("--features", help="existing extraction shards to re-score without re-running pose")
    p.add_argument("--output", required=True, help="folder or s3:// prefix for prediction shards")
    p.add_argument("--labels", default=LABELS_AUTO,
                   help="'auto' (folder names when they are all class names), 'folder', 'none', or a manifest URI")
    p.add_argument("--uncertain-below", type=float, default=0.5,
                   help="flag predictions with confidence under this (default 0.5)")
    p.add_argument("--csv", action="store_true", help="also write predictions.csv next to the shards")
    p.add_argument("--videos-per-shard", type=int, default=8)
    p.add_argument("--sample-fps", type=float, default=15.0)
    p.add_argument("--no-progress", action="store_true")
    add_ray_arguments(p)


def _discover_auto(input_uri: str, labels: str):
    if labels != LABELS_AUTO:
        return discover(input_uri, labels)
    try:
        return discover(input_uri, "folder")
    except InputError:
        return discover(input_uri, LABELS_NONE)


def _row_from(row: dict, model_name: str) -> dict:
    out = {name: None for name in PREDICTION_SCHEMA.names}
    out.update(uri=row["uri"], video_id=row.get("video_id"), label=row.get("label"), status=row["status"],
               error=row.get("error"), model=model_name, feature_version=row.get("feature_version"))
    return out


class ModelActor:
    """Ray Data actor: extraction rows -> prediction rows. One model per actor, one predict() per batch."""

    def __init__(self, model_uri: str, uncertain_below: float):
        from ..model.artifacts import load_model_dir, read_run_json
        from ..model.config import WindowConfig

        self.model = load_model_dir(model_uri)
        cfg = (read_run_json(self.model.run_uri, "config.json") or {}).get("windows", {})
        self.window = WindowConfig(**{k: v for k, v in cfg.items() if k in WindowConfig.__dataclass_fields__})
        self.uncertain_below = float(uncertain_below)

    def __call__(self, batch: pa.Table) -> pa.Table:
        from ..model.voting import vote
        from ..model.windows import make_windows

        rows = batch.to_pylist()
        out, spans, chunks = [], [], []
        for row in rows:
            pred = _row_from(row, self.model.run_uri)
            pred["shard"] = row.get("shard")
            out.append(pred)
            if row["status"] not in schema.USABLE_STATUSES or not row.get("features"):
                spans.append(None)
                continue
            if row.get("feature_version") != self.model.feature_version:
                pred.update(status="error", error=(
                    f"features are version {row.get('feature_version')}, model expects {self.model.feature_version}"))
                spans.append(None)
                continue
            w = make_windows(np.asarray(row["features"], np.float32), np.asarray(row["feature_segment"], np.int32),
                             self.window)
            if len(w) == 0:
                pred.update(status=STATUS_NO_WINDOWS, error="too few usable frames for one window")
                spans.append(None)
                continue
            spans.append((sum(len(c) for c in chunks), len(w)))
            chunks.append(w)
        probs = self.model.predict_windows(np.concatenate(chunks)) if chunks else None
        classes = self.model.classes
        for pred, span in zip(out, spans):
            if span is None:
                continue
            p = probs[span[0]:span[0] + span[1]]
            v = vote(p)
            pred.update(
                predicted_label=classes[v.label], confidence=float(v.confidence),
                uncertain=bool(v.confidence < self.uncertain_below),
                top3_labels=[classes[i] for i, _ in v.top3], top3_scores=[float(s) for _, s in v.top3],
                num_windows=int(len(p)), window_labels=[classes[i] for i in p.argmax(1)],
                window_confidences=[float(x) for x in p.max(1)],
            )
        table = pa.Table.from_pylist([{k: r[k] for k in PREDICTION_SCHEMA.names} for r in out],
                                     schema=PREDICTION_SCHEMA)
        return table.append_column("shard", pa.array([r["shard"] for r in out], pa.string()))


def default_model_uri() -> str:
    """The model shipped inside the package (``model/default``), so ``score`` works without training first."""
    from pathlib import Path

    from .. import model

    return str(Path(model.__file__).resolve().parent / "default")


def check_model(model_uri: str | None) -> str:
    """Resolve the model run and refuse one of another feature version, on the driver, without TensorFlow."""
    from ..features.table import FEATURE_VERSION
    from ..model.artifacts import MANIFEST, ModelDirError, resolve_run

    run_uri = resolve_run(model_uri or default_model_uri())
    manifest = storage.read_json(storage.join(run_uri, MANIFEST))
    if manifest.get("feature_version") != FEATURE_VERSION:
        raise ModelDirError(
            f"model at {run_uri} was trained on feature_version {manifest.get('feature_version')} but this code "
            f"computes {FEATURE_VERSION}: retrain it on re-extracted features, or run the matching release")
    return run_uri


def run_score(
    output_uri: str,
    *,
    input_uri: str | None = None,
    features_uri: str | None = None,
    model_uri: str | None = None,
    labels: str = LABELS_AUTO,
    uncertain_below: float = 0.5,
    write_csv: bool = False,
    videos_per_shard: int = 8,
    feature_settings: FeatureSettings = FeatureSettings(),
    pose_settings: PoseSettings = PoseSettings(),
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = True,
) -> dict:
    from tqdm import tqdm

    from .runtime import cluster_cpus, quiet_ray_data, ray_session
    from .video_stage import PoseActor

    t0 = time.time()
    model_dir = check_model(model_uri)  # refuses a model of another feature version before any work
    storage.check_writable(output_uri)
    storage.remove_stale_temporaries(output_uri)
    done = done_uris(output_uri)

    with ray_session(address, num_cpus) as ray:
        quiet_ray_data()
        cpus = cluster_cpus(ray)
        if features_uri is not None:
            table = storage.read_parquet_dir(features_uri)
            if table is None:
                raise InputError(f"no feature shards under {features_uri}")
            table = table.filter(pc.invert(pc.is_in(table["uri"], pa.array(sorted(done), pa.string()))))
            n_todo = table.num_rows
            shard_of = [f"pred-{h[:20]}.parquet" for h in
                        _chunk_names(table.column("uri").to_pylist(), videos_per_shard)]
            table = table.append_column("shard", pa.array(shard_of, pa.string()))
            expected = Counter(shard_of)
            ds = ray.data.from_arrow(table)
            found = n_todo
        else:
            tasks = _discover_auto(input_uri, labels)
            found = len(tasks)
            specs = plan_shards(tasks, done, videos_per_shard, prefix="pred")
            n_todo = sum(len(s.videos) for s in specs)
            expected = Counter({s.name: len(s.videos) for s in specs})
            ds = ray.data.from_items([s.to_item() for s in specs], override_num_blocks=max(1, len(specs)))
            ds = ds.map_batches(
                PoseActor,
                fn_constructor_kwargs=dict(pose_settings=asdict(pose_settings),
                                           feature_settings=asdict(feature_settings), output_uri=None),
                batch_size=1, batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=max(1, min(cpus - 1, len(specs)))),
                num_cpus=1,
            )
        statuses: Counter = Counter()
        predicted: Counter = Counter()
        pending: dict[str, list[dict]] = defaultdict(list)
        written = 0
        if n_todo:
            ds = ds.map_batches(
                ModelActor, fn_constructor_kwargs=dict(model_uri=model_dir, uncertain_below=uncertain_below),
                batch_size=16, batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=1),
                num_cpus=1 if cpus > 1 else 0,
            )
            bar = tqdm(total=n_todo, unit="video", desc="score", disable=not progress)
            for rec in ds.iter_rows():
                rec = dict(rec)
                shard = rec.pop("shard")
                pending[shard].append(rec)
                statuses[rec["status"]] += 1
                if rec["predicted_label"]:
                    predicted[rec["predicted_label"]] += 1
                if len(pending[shard]) == expected[shard]:
                    rows = sorted(pending.pop(shard), key=lambda r: r["uri"])
                    storage.write_parquet_atomic(storage.join(output_uri, shard),
                                                 pa.Table.from_pylist(rows, schema=PREDICTION_SCHEMA))
                    written += 1
                bar.update(1)
            bar.close()
            if pending:  # cannot happen unless rows were lost; refuse to pretend otherwise
                raise RuntimeError(f"{len(pending)} shards incomplete after the job: {sorted(pending)[:3]}")

    all_preds = storage.read_parquet_dir(output_uri)
    if write_csv and all_preds is not None:
        _write_csv(all_preds, storage.join(output_uri, "predictions.csv"))
    summary = {
        "output": output_uri, "model": model_dir, "videos_found": found, "videos_scored": n_todo,
        "videos_skipped_already_done": len(done), "shards_written": written,
        "status_counts_this_run": dict(statuses), "predicted_label_counts_this_run": dict(predicted),
        "uncertain_total": int(pc.sum(all_preds["uncertain"]).as_py() or 0) if all_preds is not None else 0,
        "videos_total": all_preds.num_rows if all_preds is not None else 0,
        "wall_s": round(time.time() - t0, 2),
    }
    if all_preds is not None and all_preds.num_rows:
        labelled = [(r["label"], r["predicted_label"]) for r in all_preds.select(["label", "predicted_label"]).to_pylist()
                    if r["label"] and r["predicted_label"]]
        if labelled:
            summary["accuracy_on_labelled"] = round(float(np.mean([a == b for a, b in labelled])), 4)
            summary["labelled_videos_scored"] = len(labelled)
    storage.write_json_atomic(storage.join(output_uri, SUMMARY_NAME), summary)
    return summary


def _chunk_names(uris: list[str], n: int) -> list[str]:
    import hashlib

    names = []
    for i in range(0, len(uris), n):
        chunk = uris[i:i + n]
        h = hashlib.sha256("\n".join(chunk).encode()).hexdigest()
        names.extend([h] * len(chunk))
    return names


def _write_csv(table: pa.Table, uri: str) -> None:
    df = table.select(["uri", "label", "status", "error", "predicted_label", "confidence", "uncertain",
                       "top3_labels", "top3_scores", "num_windows"]).to_pandas()
    df["top3_labels"] = df["top3_labels"].map(lambda v: "|".join(v) if v is not None else "")
    df["top3_scores"] = df["top3_scores"].map(lambda v: "|".join(f"{x:.4f}" for x in v) if v is not None else "")
    storage.write_bytes_atomic(uri, df.sort_values("uri").to_csv(index=False).encode())


def print_summary(s: dict) -> None:
    print(f"score: {s['videos_scored']} videos scored, {s['videos_skipped_already_done']} already done "
          f"-> {s['output']}  (model {s['model']})")
    for k, v in sorted(s["status_counts_this_run"].items()):
        print(f"  status {k:14s} {v}")
    for k, v in sorted(s["predicted_label_counts_this_run"].items(), key=lambda kv: -kv[1]):
        print(f"  predicted {k:22s} {v}")
    print(f"  uncertain (all runs): {s['uncertain_total']} of {s['videos_total']}")
    if "accuracy_on_labelled" in s:
        print(f"  accuracy on the {s['labelled_videos_scored']} labelled videos: {s['accuracy_on_labelled']:.1%}")


def run(args) -> int:
    from ..cli import CliError
    from ..model.artifacts import ModelDirError

    try:
        summary = run_score(
            args.output, input_uri=args.input, features_uri=args.features, model_uri=args.model,
            labels=args.labels, uncertain_below=args.uncertain_below, write_csv=args.csv,
            videos_per_shard=args.videos_per_shard, feature_settings=FeatureSettings(sample_fps=args.sample_fps),
            address=args.address, num_cpus=args.num_cpus, progress=not args.no_progress,
        )
    except (InputError, storage.StorageError, ModelDirError) as exc:
        raise CliError(str(exc)) from None
    print_summary(summary)
    return 0
