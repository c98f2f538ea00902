"""``exercise-classifier train``: feature shards -> a versioned model directory (Ray Train).

Composition (each step lives in ``exercise_classifier.model`` and is tested alone):

    datasets.read_videos (Ray Data, usable + labelled rows)  [+ datasets.synthetic_videos, train-only]
    -> split.split_videos (video-level, stratified, group-aware)  -> windows.make_windows
    -> Scaler.fit(train windows)  -> ray_train.train_distributed (TensorflowTrainer, N workers)
    -> evaluation.evaluate_videos on the test split  -> report.render_html
    -> artifacts.save_model_dir (runs/<UTC stamp>/..., then the `latest` pointer, last)

The model's preprocessing contract is the dataset's (read from its manifest, every row checked), with the training
config's windows and the fitted scaler added; ``--train-extra`` shards must have been made the same way.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass

import numpy as np

from .. import storage
from ..errors import require
from .runtime import add_ray_arguments, non_negative_int, positive_int

log = logging.getLogger(__name__)


def add_arguments(p) -> None:
    p.add_argument("--features", required=True, help="folder or s3:// prefix with the extraction Parquet shards")
    p.add_argument("--output", required=True, help="model output folder or s3:// prefix (runs/<stamp> + latest)")
    p.add_argument("--num-workers", type=positive_int, default=2, help="Ray Train data-parallel workers (default 2)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="maximum epochs (overrides the config; default 100)")
    p.add_argument("--use-gpu", action="store_true", help="one GPU per worker")
    p.add_argument("--no-promote", action="store_true",
                   help="write the run without switching <output>/latest (`retrain` promotes through its gate)")
    p.add_argument("--config", default=None, help="JSON file overriding any part of the training config")
    p.add_argument("--synthetic", type=non_negative_int, default=0, metavar="N",
                   help="add N synthetic landmark sequences per class to the training split only")
    p.add_argument("--train-extra", action="append", default=[], metavar="URI",
                   help="more extraction shards (e.g. rendered synthetic clips) that only ever join the training "
                        "split, so validation and test stay real footage; repeatable")
    p.add_argument("--group-column", default="group",
                   help="column naming the source/near-duplicate group; videos of a group never straddle splits "
                        "('' to treat every video as its own group)")
    p.add_argument("--ray-storage", default=None,
                   help="Ray Train checkpoint storage (needed on multi-node clusters: shared FS or s3://)")
    add_ray_arguments(p)


@dataclass
class Prepared:
    """Everything between reading shards and training, kept for the artifacts."""

    train: list
    val: list
    test: list
    split_record: dict


def prepare_split(videos: list, train_only: list, cfg, group_column: str | None) -> Prepared:
    """Split the main videos; ``train_only`` ones (synthetic, --train-extra) join the training split only.

    ``split.json`` lists each video once: ``train``/``val``/``test`` are the split of the main data,
    ``train_only`` the extra training data.
    """
    from ..model.split import split_videos

    groups = [v.group for v in videos] if group_column else None
    split = split_videos([v.label for v in videos], groups, cfg.split)
    train = [videos[i] for i in split.train]
    val = [videos[i] for i in split.val]
    test = [videos[i] for i in split.test]
    record = {
        "seed": cfg.split.seed, "group_column": group_column or None,
        "fractions": {"train": cfg.split.train, "val": cfg.split.val, "test": cfg.split.test},
        "train": [v.video_id for v in train], "val": [v.video_id for v in val], "test": [v.video_id for v in test],
        "train_only": [v.video_id for v in train_only],
    }
    return Prepared(train + list(train_only), val, test, record)


def _windows_and_labels(videos, cfg, index):
    from ..model.windows import windows_for_videos

    x, owner = windows_for_videos(videos, cfg.windows)
    y = np.array([index[v.label] for v in videos], np.int64)[owner] if len(owner) else np.zeros(0, np.int64)
    return x, y


def fit_stats_member(train_videos: list, contract, cfg, index: dict):
    """The per-video statistics forest, on the training videos plus ``cfg.stats.synthetic_per_class`` fast-path
    sequences per class (weighted ``cfg.stats.synthetic_weight``), and its "none of the 22" forest against
    ``cfg.stats.negatives_per_motion`` synthetic clips of each non-exercise motion."""
    from ..model.stats_model import StatsModel, stats_of
    from .datasets import negative_videos, synthetic_videos

    synth = synthetic_videos(cfg.stats.synthetic_per_class, contract, seed=cfg.train.seed + 1) \
        if cfg.stats.synthetic_per_class else []
    videos = list(train_videos) + synth
    weights = np.r_[np.ones(len(train_videos)), np.full(len(synth), cfg.stats.synthetic_weight)]
    y = np.array([index[v.label] for v in videos], np.int64)
    negatives = negative_videos(cfg.stats.negatives_per_motion, contract, seed=cfg.train.seed + 2) \
        if cfg.stats.negatives_per_motion else []
    return StatsModel.fit(stats_of(videos), y, len(index), cfg.stats, sample_weight=weights,
                          negatives=stats_of(negatives) if negatives else None)


def run_train(features_uri: str, output_uri: str, *, cfg=None, num_workers: int = 2, use_gpu: bool = False,
              synthetic: int = 0, group_column: str | None = "group", address: str | None = None,
              num_cpus: int | None = None, ray_storage: str | None = None,
              train_extra: list[str] | tuple[str, ...] = (), promote: bool = True) -> dict:
    """Train and save a model run; returns a summary (run URI, test metrics, timings)."""
    from ..classes import CLASSES
    from ..contract import Scaler
    from ..model.artifacts import MODEL_FILE, LoadedModel, save_model_dir
    from ..model.config import Config
    from ..model.evaluation import evaluate_videos
    from ..model.losses import balanced_class_weights
    from ..model.network import keras_module, load_predictor, save_model
    from ..model.report import render_html
    from ..model.training import TrainData
    from .datasets import DatasetError, check_features_contract, dataset_contract, read_videos, synthetic_videos
    from .ray_train import train_distributed
    from .runtime import quiet_ray_data, ray_session

    cfg = cfg or Config()
    require(num_workers >= 1, f"--num-workers must be >= 1, got {num_workers}")
    require(synthetic >= 0, f"--synthetic must be >= 0, got {synthetic}")
    t0 = time.time()
    contract = dataset_contract(features_uri).replace(windows=cfg.windows)
    contract.require_current_code(what=f"the features in {features_uri}")
    for extra_uri in train_extra:
        check_features_contract(extra_uri, contract, what=f"the features in {features_uri}")
    storage.check_writable(output_uri)
    index = {c: i for i, c in enumerate(CLASSES)}
    with ray_session(address, num_cpus):
        quiet_ray_data()
        videos = read_videos(features_uri, group_column=group_column or None)
        extra = synthetic_videos(synthetic, contract, seed=cfg.train.seed) if synthetic > 0 else []
        for extra_uri in train_extra:  # train-only data (e.g. rendered synthetic clips)
            extra.extend(read_videos(extra_uri, group_column=None, train_only=True))
        prep = prepare_split(videos, extra, cfg, group_column)
        x_train, y_train = _windows_and_labels(prep.train, cfg, index)
        x_val, y_val = _windows_and_labels(prep.val, cfg, index)
        if len(x_train) == 0 or len(x_val) == 0:
            raise DatasetError(f"too little data: {len(x_train)} training and {len(x_val)} validation windows "
                               f"(videos need >= {cfg.windows.min_length} usable frames; each class needs >= 3 "
                               f"videos/groups to reach the validation split)")
        scaler = Scaler.fit(x_train)
        contract = contract.replace(scaler=scaler)
        log.info("windows: train %d (%d videos), val %d (%d), test videos %d", len(x_train), len(prep.train),
                 len(x_val), len(prep.val), len(prep.test))
        data = TrainData(x_train, y_train, x_val, y_val, scaler.mean, scaler.scale,
                         balanced_class_weights(y_train, len(CLASSES)), len(CLASSES))
        outcome = train_distributed(data, cfg, num_workers=num_workers, use_gpu=use_gpu, storage_path=ray_storage)
    try:
        model = keras_module().models.load_model(outcome.model_path, compile=False)
        # The run keeps the inference model only: loaded uncompiled, it has no optimizer, whose Adam moments
        # would otherwise double the file (scoring always loads with compile=False).
        inference_path = os.path.join(outcome.workdir, "inference-" + MODEL_FILE)
        save_model(model, inference_path)
        stats_model = fit_stats_member(prep.train, contract, cfg, index) if cfg.stats.enabled else None
        # evaluated by the engine that will score with it, from the file that ships: the run's metrics are the
        # scoring path's, to the last digit
        loaded = LoadedModel(load_predictor(inference_path), contract, list(CLASSES), outcome.workdir, {},
                             outcome.workdir, stats_model,
                             cfg.stats.weight if stats_model is not None else 0.0)
        ev = evaluate_videos(loaded, prep.test, CLASSES)
        metrics = {"split": "test", **ev.results, "training": {
            "seconds": outcome.seconds, "epochs_run": outcome.epochs_run, "best_epoch": outcome.best_epoch,
            "mean_epoch_s": float(np.mean(outcome.history.get("epoch_s", [np.nan]))),
            "num_workers": num_workers, "use_gpu": use_gpu,
            "windows": {"train": int(len(x_train)), "val": int(len(x_val))},
            "videos": {"train": len(prep.train), "val": len(prep.val), "test": len(prep.test),
                       "train_only": len(extra)}}}
        html_doc = render_html(metrics, title="exercise-classifier training run - test split",
                               history=outcome.history, confidences=ev.confidences)
        run_uri = save_model_dir(
            output_uri, model_path=inference_path, contract=contract, classes=list(CLASSES), config=cfg.to_dict(),
            stats_model=stats_model, stats_weight=loaded.stats_weight,
            extra_json={"history.json": outcome.history, "split.json": prep.split_record, "metrics.json": metrics,
                        "predictions.json": ev.predictions},
            extra_files={"report.html": html_doc.encode()}, promote=promote)
    finally:
        outcome.cleanup()
    return {"run": run_uri, "seconds": time.time() - t0, "test_video_accuracy": metrics["video"].get("accuracy"),
            "test_window_accuracy": metrics["window"].get("accuracy"), "epochs_run": outcome.epochs_run,
            "best_epoch": outcome.best_epoch}


def run(args) -> int:
    from ..model.config import load_config

    cfg = load_config(args.config)
    if args.epochs is not None:
        cfg = cfg.replace("train", epochs=args.epochs)
    summary = run_train(args.features, args.output, cfg=cfg, num_workers=args.num_workers,
                        use_gpu=args.use_gpu, synthetic=args.synthetic, group_column=args.group_column or None,
                        address=args.address, num_cpus=args.num_cpus, ray_storage=args.ray_storage,
                        train_extra=args.train_extra, promote=not args.no_promote)
    print(json.dumps(summary, indent=2))
    return 0
