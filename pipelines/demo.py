"""``exercise-classifier demo`` (what ``make demo`` runs): the main job end to end on embedded default data.

With no network and no configuration: render a small synthetic library of all 22 classes, extract it with Ray Data
into a local object-store folder, train with Ray Train, evaluate (HTML report), and score a second, unlabelled
synthetic library. The same job points at real data with ``--input`` (a labelled library), an ``s3://`` ``--workdir``
and a cluster ``--address``.
"""

from __future__ import annotations

import logging
import os
import time

from .. import storage
from .runtime import add_ray_arguments, non_negative_int, positive_int

log = logging.getLogger(__name__)


def add_arguments(p) -> None:
    p.add_argument("--workdir", default="demo-output", help="where everything goes (folder or s3:// URI)")
    p.add_argument("--input", default=None, help="a labelled video library to train on instead of synthetic clips")
    p.add_argument("--per-class", type=positive_int, default=4, help="synthetic training clips per class (default 4)")
    p.add_argument("--score-per-class", type=positive_int, default=1,
                   help="unlabelled synthetic clips per class to score")
    p.add_argument("--epochs", type=positive_int, default=30)
    p.add_argument("--num-workers", type=positive_int, default=2, help="Ray Train workers")
    p.add_argument("--synthetic", type=non_negative_int, default=10,
                   help="extra synthetic landmark sequences per class mixed into training (fast path)")
    p.add_argument("--seed", type=int, default=2026)
    add_ray_arguments(p)


def _render(local_dir: str, per_class: int, seed: int) -> str:
    from ..classes import CLASSES
    from ..synth.generate import generate_library

    if os.path.exists(os.path.join(local_dir, "manifest.csv")):
        log.info("synthetic library already at %s", local_dir)
        return local_dir
    # Short, fixed-format clips keep the whole demo inside 15 minutes on 2 cores (`synth` randomises all of it).
    generate_library(local_dir, list(CLASSES), per_class=per_class, seed=seed, resolution=(640, 360), fps=30,
                     duration_s=3.0)
    return local_dir


def _unlabelled_copy(src: str, dst: str) -> str:
    """Flatten a labelled library into one folder with neutral names: scoring must not see labels or names."""
    import shutil

    if os.path.isdir(dst) and os.listdir(dst):
        return dst
    os.makedirs(dst, exist_ok=True)
    for i, e in enumerate(storage.list_files(src, storage.VIDEO_EXTENSIONS)):
        shutil.copy(e.uri, os.path.join(dst, f"clip-{i:04d}.mp4"))
    return dst


def run(args) -> int:
    from ..model.config import Config
    from .evaluate import run_evaluate
    from .extract import print_summary as print_extract, run_extract
    from .runtime import ray_session
    from .score import print_summary as print_score, run_score
    from .train import run_train

    t0 = time.time()
    work = args.workdir
    if args.input:  # a wrong --input or --workdir is a one-line error before anything is rendered or started
        from .inputs import discover

        discover(args.input)
    storage.check_writable(work)
    local_scratch = work if not storage.is_s3(work) else os.path.abspath("demo-scratch")
    with ray_session(args.address, args.num_cpus):
        if args.input:
            train_videos = args.input
        else:
            print(f"[1/5] rendering {args.per_class} synthetic clips for each of 22 classes ...", flush=True)
            train_videos = _render(os.path.join(local_scratch, "videos-train"), args.per_class, args.seed)
        print("[2/5] extracting pose + features with Ray Data ...", flush=True)
        features = storage.join(work, "features")
        print_extract(run_extract(train_videos, features, progress=True))
        print("[3/5] training with Ray Train ...", flush=True)
        cfg = Config().replace("train", epochs=args.epochs, seed=args.seed)
        result = run_train(features, storage.join(work, "models"), cfg=cfg, num_workers=args.num_workers,
                           synthetic=args.synthetic)
        model_dir = result["run"]
        print(f"      test accuracy: video {result['test_video_accuracy']:.1%}, "
              f"window {result['test_window_accuracy']:.1%} ({result['epochs_run']} epochs)", flush=True)
        print("[4/5] evaluating on the held-out test split ...", flush=True)
        evaluation = run_evaluate(model_dir, features, split="test")
        print("[5/5] scoring an unlabelled synthetic library ...", flush=True)
        unl = _render(os.path.join(local_scratch, "videos-score-src"), args.score_per_class, args.seed + 1)
        unlabelled = _unlabelled_copy(unl, os.path.join(local_scratch, "videos-unlabelled"))
        preds = storage.join(work, "predictions")
        summary = run_score(preds, input_uri=unlabelled, model_uri=model_dir, labels="none", write_csv=True)
        print_score(summary)
    print()
    print(f"demo finished in {time.time() - t0:.0f} s")
    print(f"  model:       {model_dir}")
    print(f"  report:      {storage.join(evaluation['output'], 'report.html')}")
    print(f"  metrics:     {storage.join(evaluation['output'], 'metrics.json')}")
    print(f"  predictions: {preds} (predictions.csv beside the shards)")
    return 0
