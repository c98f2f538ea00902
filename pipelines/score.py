"""``exercise-classifier score``: label a video library (or existing feature shards) with a trained model.

Composition (the video half is the *same* stage as ``extract``, not a copy):

    inputs.discover -> inputs.plan_shards (skip videos already scored)
    Ray Data: from_items(shard specs)
              . map_batches(PoseActor)      pose actors, one per CPU, no TensorFlow in them
              . map_batches(ModelActor)     model loaded once per actor; windows of many videos in one predict()
    driver:   groups prediction rows by shard, writes each shard atomically when all its videos are in

With ``--features URI`` the pose half is skipped: a few extraction shard files make one block, and one model actor
per core reads them itself (:class:`ScoreFeatureFiles`, only the columns the model needs) and scores 32 videos per
model call. ``--no-analysis`` leaves out the per-video analysis (reps, segments, range of motion), more than half of
scoring's time from features. ``--no-window-columns`` leaves the per-window columns empty, so the sequence network
is not run where it cannot change a label (a model whose statistics member decides alone, as the shipped one).

The preprocessing always comes from the model's manifest (its contract): raw video is decoded and tracked exactly as
the model's training data were, and feature shards made any other way are refused.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import storage
from ..errors import require
from . import schema
from .datasets import HAND_COLUMNS, LANDMARK_COLUMNS, row_grip
from .inputs import LABELS_NONE, InputError, VideoTask, discover
from .runtime import add_ray_arguments, fraction, positive_int
from .video_analysis import ANALYSIS_FIELDS, analyse_row, not_exercise_columns

log = logging.getLogger(__name__)

SUMMARY_NAME = "_summary.json"
REPORT_NAME = "report.html"      # per-library report: counts, and per video a timeline and a summary
VIDEOS_PER_SHARD = 8
UNCERTAIN_BELOW = 0.5
MODEL_BATCH_VIDEOS = 32   # videos per model call when scoring from features
VIDEOS_PER_BLOCK = 64     # videos per block when scoring from features (a few feature files' worth)
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
    pa.field("uncertain_reason", pa.string()),        # why the label is best-effort (low confidence, short clip...)
    pa.field("members", pa.string()),                 # which model members spoke: network, stats, network+stats
    pa.field("top3_labels", pa.list_(pa.string())),
    pa.field("top3_scores", pa.list_(pa.float32())),
    pa.field("num_windows", pa.int32()),
    pa.field("window_labels", pa.list_(pa.string())),
    pa.field("window_confidences", pa.list_(pa.float32())),
    pa.field("model", pa.string()),
    pa.field("feature_version", pa.string()),
    pa.field("preprocessing", pa.string()),           # the contract's feature fields the video was processed with
    *ANALYSIS_FIELDS,                                 # reps, segments, range of motion, "none of the 22"
])
STATUS_NO_WINDOWS = "no_windows"
# Rows whose features the model reads: usable ones, and too-short ones (best effort, flagged uncertain).
SCORABLE_STATUSES = (*schema.USABLE_STATUSES, schema.STATUS_TOO_SHORT)
# What the model stage reads of an extraction row: the features, and the landmark columns its statistics member's
# kinematic descriptors are computed from (datasets.LANDMARK_COLUMNS), and the camera cuts the segmenter splits at
# (shards of an older schema lack them: :func:`read_feature_files` gives nulls).
MODEL_INPUT_COLUMNS = ["uri", "video_id", "label", "status", "error", "preprocessing", "features", "feature_segment",
                       "feature_frame", "frame_index", "fps", "shot_start", *LANDMARK_COLUMNS, *HAND_COLUMNS]
# shards of an older schema lack them: read as no cuts known, no grip known
OPTIONAL_INPUT_COLUMNS = ("shot_start", *HAND_COLUMNS)


def add_arguments(p) -> None:
    p.add_argument("--model", default=None, help="model directory URI (default: the shipped default model)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help="folder or s3:// prefix of videos to label")
    src.add_argument("--features", help="existing extraction shards to re-score without re-running pose")
    p.add_argument("--output", required=True, help="folder or s3:// prefix for prediction shards")
    p.add_argument("--labels", default=LABELS_AUTO,
                   help="'auto' (folder names when they are all class names), 'folder', 'none', or a manifest URI")
    p.add_argument("--uncertain-below", type=fraction, default=UNCERTAIN_BELOW,
                   help="flag predictions with confidence under this (default %(default)s)")
    p.add_argument("--csv", action="store_true", help="also write predictions.csv next to the shards")
    p.add_argument("--no-analysis", action="store_true",
                   help="labels only: leave the reps, segments and range of motion columns empty "
                        "(re-labelling an archive with a new model from its features: about half the time, "
                        "docs/performance.md)")
    p.add_argument("--no-window-columns", action="store_true",
                   help="leave window_labels and window_confidences empty, and skip the sequence network where it "
                        "cannot change a label (the shipped model's statistics member decides alone)")
    p.add_argument("--videos-per-shard", type=positive_int, default=VIDEOS_PER_SHARD)
    p.add_argument("--retry-failed", action="store_true",
                   help="redo videos whose prediction row has status 'error'; final statuses are kept")
    p.add_argument("--max-actors", type=positive_int, default=None,
                   help="upper bound of the autoscaling pose-actor pool (default: one per shard)")
    p.add_argument("--no-progress", action="store_true")
    add_ray_arguments(p)


def _discover_auto(input_uri: str, labels: str):
    if labels != LABELS_AUTO:
        return discover(input_uri, labels)
    try:
        return discover(input_uri, "folder")
    except InputError:
        return discover(input_uri, LABELS_NONE)


def _row_from(row: dict, model_name: str, feature_version: str) -> dict:
    out = {name: None for name in PREDICTION_SCHEMA.names}
    out.update(uri=row["uri"], video_id=row.get("video_id"), label=row.get("label"), status=row["status"],
               error=row.get("error"), model=model_name, feature_version=feature_version,
               preprocessing=row.get("preprocessing"))
    return out


def _frames(list_scalar) -> np.ndarray | None:
    """One row's ``list<list<float>>`` cell -> ``(frames, F)`` float32 without going through Python lists."""
    if not list_scalar.is_valid or len(list_scalar) == 0:
        return None
    inner = list_scalar.values
    return inner.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(inner), -1)


class ModelActor:
    """Ray Data actor: extraction rows -> prediction rows. One model per actor, one predict() per batch.

    Every video with pose features gets a label: too short for one window, the statistics member alone answers
    (``uncertain``, with the reason); only videos without any usable frame (unreadable, no person) get none.
    """

    def __init__(self, model_uri: str, uncertain_below: float, analysis: bool = True, window_columns: bool = True):
        from ..model.artifacts import load_model_dir

        self.model = load_model_dir(model_uri)
        self.uncertain_below = float(uncertain_below)
        self.analysis = bool(analysis)
        self.window_columns = bool(window_columns)

    def __call__(self, batch: pa.Table) -> pa.Table:
        from ..features.descriptors import landmark_kinematics, shot_descriptors
        from ..model.windows import window_spans

        meta = batch.select(["uri", "video_id", "label", "status", "error", "preprocessing", "shard", "width", "height",
                             "sample_fps", "fps"]).to_pylist()
        feats, segs = batch.column("features"), batch.column("feature_segment")
        lms, worlds = batch.column("landmarks"), batch.column("world_landmarks")
        frame_index, feature_frame = batch.column("frame_index"), batch.column("feature_frame")
        shots = batch.column("shot_start") if "shot_start" in batch.column_names else None
        hands = {c: batch.column(c) if c in batch.column_names else None for c in HAND_COLUMNS}
        out, inputs, which, arrays, per_shot, grips, n_windows = [], [], [], {}, [], [], []
        for i, row in enumerate(meta):
            pred = _row_from(row, self.model.run_uri, self.model.contract.feature_version)
            pred["shard"] = row["shard"]
            out.append(pred)
            f = _frames(feats[i]) if row["status"] in SCORABLE_STATUSES else None
            if f is not None:
                lm, wl = _frames(lms[i]), _frames(worlds[i])
                kin = landmark_kinematics(lm, wl, width=row["width"], height=row["height"],
                                          fps=float(row["sample_fps"]))
                seg = segs[i].values.to_numpy(zero_copy_only=False).astype(np.int32)
                inputs.append((f, seg, kin))
                # counted, not built (decide_videos builds them where the network runs; --no-window-columns may skip it)
                n_windows.append(len(window_spans(seg, self.model.contract.windows)))
                which.append(i)
                arrays[i] = dict(features=f, segments=seg, landmarks=lm, world=wl,
                                 feature_frame=_ints(feature_frame[i]), frame_index=_ints(frame_index[i]),
                                 shot_start=None if shots is None else _ints(shots[i]))
                per_shot.append(shot_descriptors(f, seg, arrays[i]["feature_frame"], lm, wl, arrays[i]["shot_start"],
                                                 width=row["width"], height=row["height"],
                                                 fps=float(row["sample_fps"])))
                arrays[i]["grip"] = row_grip({c: None if v is None else v[i].as_py() for c, v in hands.items()},
                                             (lm, wl))
                grips.append(arrays[i]["grip"])
        decisions, window_probs = self.model.decide_videos(inputs, shots=per_shot, grips=grips,
                                                           window_probs=self.window_columns) if inputs else ([], [])
        classes = self.model.classes
        for i, d, p, windows in zip(which, decisions, window_probs, n_windows):
            pred = out[i]
            if d is None:  # no window and no statistics member: nothing can answer
                if pred["status"] in schema.USABLE_STATUSES:
                    pred.update(status=STATUS_NO_WINDOWS, error="too few usable frames for one window")
                continue
            reasons = []
            if d.confidence < self.uncertain_below:
                reasons.append(f"confidence {d.confidence:.2f} < {self.uncertain_below}")
            if windows == 0:
                reasons.append("too few usable frames for the sequence network: per-video statistics only")
            if pred["status"] != schema.STATUS_OK:
                reasons.append(f"extraction status {pred['status']}")
            if not self.window_columns:
                p = p[:0]       # the network may still have run (a model whose network has a say): not shown
            pred.update(
                predicted_label=classes[d.label], confidence=float(d.confidence), uncertain=bool(reasons),
                uncertain_reason="; ".join(reasons) or None, members=d.members,
                top3_labels=[classes[c] for c, _ in d.top3], top3_scores=[float(x) for _, x in d.top3],
                num_windows=windows, window_labels=[classes[c] for c in p.argmax(1)],
                window_confidences=[float(x) for x in p.max(1)],
            )
            pred.update(not_exercise_columns(self.model, d))
            if self.analysis:
                self._analyse(pred, d, row=meta[i], **arrays[i])
            if pred["not_an_exercise_of_the_22"]:
                reason = f"motion unlike every training video (score {pred['not_an_exercise_score']:.2f})"
                pred.update(uncertain=True,
                            uncertain_reason="; ".join(filter(None, [pred["uncertain_reason"], reason])))
        table = pa.Table.from_pylist([{k: r[k] for k in PREDICTION_SCHEMA.names} for r in out],
                                     schema=PREDICTION_SCHEMA)
        return table.append_column("shard", pa.array([r["shard"] for r in out], pa.string()))


    def _analyse(self, pred: dict, decision, *, row: dict, **arrays) -> None:
        """Reps, segments and range of motion (:mod:`.video_analysis`). A failure here
        is a bug, not bad input: it is logged with the video, and the label stands without the analysis."""
        try:
            extra = analyse_row(self.model, decision, width=row["width"], height=row["height"], fps=row["fps"],
                                sample_fps=float(row["sample_fps"]), **arrays)
        except Exception as exc:  # noqa: BLE001 -- keep the video's label; say what failed
            log.warning("analysis of %s failed: %s: %s", pred["uri"], type(exc).__name__, exc)
            return
        dominant = extra.pop("_dominant", None)
        pred.update(extra)
        exercises = {s["label"] for s in extra["segments"] if s["label"] != "rest"}
        if len(exercises) > 1 and dominant:
            # several exercises: the whole-video decision mixed them; the video's label is the one done longest
            main = max((s for s in extra["segments"] if s["label"] == dominant), key=lambda s: s["end_s"] - s["start_s"])
            reason = f"several exercises ({', '.join(sorted(exercises))}); labelled by the longest"
            pred.update(predicted_label=dominant, confidence=main["confidence"], uncertain=True,
                        uncertain_reason="; ".join(filter(None, [pred["uncertain_reason"], reason])))


def _ints(list_scalar) -> np.ndarray:
    if not list_scalar.is_valid:
        return np.zeros(0, np.int64)
    return list_scalar.values.to_numpy(zero_copy_only=False).astype(np.int64)


def default_model_uri() -> str:
    """The model shipped inside the package (``model/default``), so ``score`` works without training first."""
    from pathlib import Path

    from .. import model

    return str(Path(model.__file__).resolve().parent / "default")


def read_feature_files(uris: list[str], shard_of: dict[str, str]) -> pa.Table:
    """Extraction shard files -> their rows still to score (the model's columns), each tagged with the prediction
    shard it belongs to; one schema whatever release wrote each file (missing optional columns are null)."""
    tables = [storage.read_parquet_file(str(uri), MODEL_INPUT_COLUMNS, optional=OPTIONAL_INPUT_COLUMNS) for uri in uris]
    table = pa.concat_tables(tables, promote_options="default")
    for name in OPTIONAL_INPUT_COLUMNS:
        if name not in table.column_names:
            field = schema.EXTRACT_SCHEMA.field(name)
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
    names = [shard_of.get(u) for u in table.column("uri").to_pylist()]
    keep = pa.array([n is not None for n in names])
    return table.append_column("shard", pa.array(names, pa.string())).filter(keep)


class ScoreFeatureFiles:
    """Ray Data actor for ``--features``: a block of extraction shard files -> their prediction rows.

    Why the model actor reads the files itself, a few per block (measured on 2 CPUs, 2,400 videos from 610 files,
    labels only; docs/performance.md): Ray's ``read_parquet`` packs small files into one or two blocks, so one actor
    got most of the library; one file per block through a separate reader stage fixed the balance but paid Ray's
    per-block cost 610 times and moved every video's landmarks through the object store (2,726 windows/s); eight
    files (32 videos) per block read where they are scored: 5,300-5,800 windows/s in two runs, the same predictions.
    Blocks are sized in videos, not files: with one video per file, eight files per block gave 3,272 windows/s.
    """

    def __init__(self, shard_of: dict[str, str], model_uri: str, uncertain_below: float, analysis: bool = True,
                 window_columns: bool = True):
        self.shard_of = shard_of
        self.model = ModelActor(model_uri, uncertain_below, analysis, window_columns)

    def __call__(self, batch: dict) -> pa.Table:
        table = read_feature_files([str(u) for files in batch["files"] for u in files], self.shard_of)
        # several videos per model call: each call has a fixed cost (forest, network, Arrow)
        return pa.concat_tables([self.model(table.slice(i, MODEL_BATCH_VIDEOS))
                                 for i in range(0, max(table.num_rows, 1), MODEL_BATCH_VIDEOS)])


def file_blocks(files: list[str], actors: int, videos: int,
                videos_per_block: int = VIDEOS_PER_BLOCK) -> list[list[str]]:
    """Feature files grouped into blocks of about ``videos_per_block`` videos (``videos``: how many the files hold
    in all; extract writes anything from one to dozens per file), so Ray's per-block cost is paid rarely, and at
    least four blocks per actor where the library allows (so no actor waits on another's tail)."""
    require(actors >= 1 and videos_per_block >= 1 and videos >= 0,
            "actors and videos_per_block must be >= 1, videos >= 0")
    per_file = max(videos, 1) / max(len(files), 1)
    per = max(1, min(round(videos_per_block / per_file), -(-len(files) // (4 * actors))))
    return [files[i:i + per] for i in range(0, len(files), per)]


def run_score(
    output_uri: str,
    *,
    input_uri: str | None = None,
    features_uri: str | None = None,
    model_uri: str | None = None,
    labels: str = LABELS_AUTO,
    uncertain_below: float = UNCERTAIN_BELOW,
    analysis: bool = True,
    window_columns: bool = True,
    write_csv: bool = False,
    videos_per_shard: int = VIDEOS_PER_SHARD,
    retry_failed: bool = False,
    max_actors: int | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = True,
) -> dict:
    """Label the videos under ``input_uri`` (or re-score ``features_uri``); see the module docstring.

    Validates arguments, the model (manifest only, no TensorFlow), the inputs and the output before any work.
    """
    from tqdm import tqdm

    from ..model.artifacts import read_manifest
    from .datasets import check_features_contract, feature_uris
    from .resume import plan_shards, scan_output, write_shard
    from .runtime import pose_stage_options, quiet_ray_data, ray_session
    from .video_stage import PoseActor

    t0 = time.time()
    require((input_uri is None) != (features_uri is None), "give exactly one of --input and --features")
    require(0.0 <= uncertain_below <= 1.0, f"--uncertain-below must be in [0, 1], got {uncertain_below}")
    require(videos_per_shard >= 1, f"--videos-per-shard must be >= 1, got {videos_per_shard}")
    require(max_actors is None or max_actors >= 1, f"--max-actors must be >= 1, got {max_actors}")
    model_dir, _, contract = read_manifest(model_uri or default_model_uri())
    if features_uri is not None:
        check_features_contract(features_uri, contract, what="the model")
        tasks = [VideoTask(uri, 0) for uri in feature_uris(features_uri)]
        if not tasks:
            raise InputError(f"no feature shards under {features_uri}")
    else:
        tasks = _discover_auto(input_uri, labels)
    storage.check_writable(output_uri)
    storage.remove_stale_temporaries(output_uri)
    plan = plan_shards(tasks, scan_output(output_uri), videos_per_shard, prefix="pred", retry_failed=retry_failed)
    expected = {s.name: len(s.videos) for s in plan.shards}
    replaces = {s.name: s.replaces for s in plan.shards}

    statuses: Counter = Counter()
    predicted: Counter = Counter()
    written = 0
    with ray_session(address, num_cpus) as ray:
        quiet_ray_data()
        if plan.shards and features_uri is not None:
            shard_of = {v.uri: s.name for s in plan.shards for v in s.videos}
            files = _shard_files(features_uri)
            model_actors = max(1, min(int(ray.cluster_resources().get("CPU", 1)), len(files)))
            blocks = file_blocks(files, model_actors, videos=len(tasks))
            ds = ray.data.from_items([{"files": b} for b in blocks], override_num_blocks=len(blocks))
            ds = ds.map_batches(
                ScoreFeatureFiles, fn_constructor_kwargs=dict(shard_of=shard_of, model_uri=model_dir,
                                                              uncertain_below=uncertain_below, analysis=analysis,
                                                              window_columns=window_columns),
                batch_size=1, batch_format="numpy", num_cpus=1, compute=ray.data.ActorPoolStrategy(size=model_actors),
            )
        elif plan.shards:
            ds = ray.data.from_items([s.to_item() for s in plan.shards], override_num_blocks=len(plan.shards))
            ds = ds.map_batches(
                PoseActor, fn_constructor_kwargs=dict(contract_json=contract.to_json(), output_uri=None,
                                                      columns=MODEL_INPUT_COLUMNS),
                batch_size=1, batch_format="numpy", **pose_stage_options(ray, len(plan.shards), max_actors=max_actors),
            )
            # Behind pose, the model costs well under 1 % of a video's CPU time: it reserves no core, so every core
            # runs pose, and a cluster that has shrunk to one CPU (a node lost, no replacement) cannot deadlock with
            # the model holding the core a restarted pose actor waits for. One batch per block (a shard's videos):
            # a shard's predictions are written as soon as its videos are through pose.
            ds = ds.map_batches(
                ModelActor, fn_constructor_kwargs=dict(model_uri=model_dir, uncertain_below=uncertain_below,
                                                       analysis=analysis, window_columns=window_columns),
                batch_size=None, batch_format="pyarrow", num_cpus=0,
                compute=ray.data.ActorPoolStrategy(min_size=1, max_size=2),
            )
        pending: dict[str, list[dict]] = defaultdict(list)
        if plan.shards:
            bar = tqdm(total=plan.todo, unit="video", desc="score", disable=not progress)
            for rec in ds.iter_rows():
                rec = dict(rec)
                shard = rec.pop("shard")
                pending[shard].append(rec)
                statuses[rec["status"]] += 1
                if rec["predicted_label"]:
                    predicted[rec["predicted_label"]] += 1
                if len(pending[shard]) == expected[shard]:
                    write_shard(output_uri, shard, pa.Table.from_pylist(pending.pop(shard), schema=PREDICTION_SCHEMA),
                                replaces=replaces[shard])
                    written += 1
                bar.update(1)
            bar.close()
        if pending:  # cannot happen unless rows were lost; refuse to pretend otherwise
            raise RuntimeError(f"{len(pending)} shards incomplete after the job: {sorted(pending)[:3]}")

    all_preds = storage.read_parquet_dir(output_uri)
    if write_csv and all_preds is not None:
        _write_csv(all_preds, storage.join(output_uri, "predictions.csv"))
    if all_preds is not None:
        from .score_report import render_library_report

        storage.write_bytes_atomic(storage.join(output_uri, REPORT_NAME),
                                   render_library_report(all_preds).encode())
    summary = {
        "output": output_uri, "model": model_dir, "videos_found": len(tasks), "videos_scored": plan.todo,
        "videos_skipped_already_done": plan.already_done, "videos_retried": plan.retrying,
        "retryable_left": plan.retryable_left + statuses["error"], "shards_written": written,
        "status_counts_this_run": dict(statuses), "predicted_label_counts_this_run": dict(predicted),
        "status_counts_total": dict(Counter(all_preds.column("status").to_pylist())) if all_preds is not None else {},
        "uncertain_total": int(pc.sum(all_preds["uncertain"]).as_py() or 0) if all_preds is not None else 0,
        "reps_total": int(pc.sum(all_preds["rep_count"]).as_py() or 0) if all_preds is not None else 0,
        "not_an_exercise_total": int(pc.sum(all_preds["not_an_exercise_of_the_22"]).as_py() or 0)
        if all_preds is not None else 0,
        "report": storage.join(output_uri, REPORT_NAME) if all_preds is not None else None,
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


def _shard_files(features_uri: str) -> list[str]:
    return [e.uri for e in storage.list_files(features_uri, (".parquet",), recursive=False)]


def _write_csv(table: pa.Table, uri: str) -> None:
    df = table.select(["uri", "label", "status", "error", "predicted_label", "confidence", "uncertain",
                       "top3_labels", "top3_scores", "num_windows", "rep_count", "not_an_exercise_of_the_22",
                       "summary"]).to_pandas()
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
    print(f"  uncertain (all runs): {s['uncertain_total']} of {s['videos_total']}; reps counted {s['reps_total']}; "
          f"none of the 22: {s['not_an_exercise_total']}")
    if s.get("report"):
        print(f"  report: {s['report']}")
    if "accuracy_on_labelled" in s:
        print(f"  accuracy on the {s['labelled_videos_scored']} labelled videos: {s['accuracy_on_labelled']:.1%}")


def run(args) -> int:
    summary = run_score(
        args.output, input_uri=args.input, features_uri=args.features, model_uri=args.model,
        labels=args.labels, uncertain_below=args.uncertain_below, analysis=not args.no_analysis,
        window_columns=not args.no_window_columns, write_csv=args.csv,
        videos_per_shard=args.videos_per_shard, retry_failed=args.retry_failed, max_actors=args.max_actors,
        address=args.address, num_cpus=args.num_cpus, progress=not args.no_progress,
    )
    print_summary(summary)
    return 0
