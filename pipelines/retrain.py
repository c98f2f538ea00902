"""``exercise-classifier retrain``: scheduled re-training behind a promotion gate.

One command for the schedule (infra/kuberay/cronjob-retrain.yaml): extract whatever is new (the extract job
resumes, so only new videos cost pose time), train a candidate run *without* switching ``latest``, evaluate the
candidate and the current model on one fixed, labelled evaluation set, and let :func:`..model.promotion.decide`
say whether the candidate replaces the current model. ``latest`` is switched in one atomic write and only to a
complete run, so a scoring job never sees a half-written model. Every decision, promoted or not, is written to
``<models>/decisions/<stamp>.json``.

Exit status: 0 when the job decided (promoted or kept), 1 when there was nothing to decide on (training failed or
the candidate could not be evaluated); the decision file is written in both cases.
"""

from __future__ import annotations

import json
import logging
import time

from .. import storage
from ..errors import UserError, require
from .runtime import add_ray_arguments, fraction, non_negative_int, positive_int

log = logging.getLogger(__name__)

DEFAULT_MARGIN = 0.01
DECISIONS = "decisions"


def add_arguments(p) -> None:
    from ..model.promotion import METRICS

    p.add_argument("--features", required=True, help="training feature shards (extract's output)")
    p.add_argument("--eval-features", required=True,
                   help="fixed, labelled evaluation shards: never trained on, the same for every run")
    p.add_argument("--models", required=True, help="model root: runs/<stamp>, latest, decisions/")
    p.add_argument("--videos", default=None,
                   help="new videos to extract into --features first (resumable: only new videos are processed)")
    p.add_argument("--labels", default="folder", help="with --videos: 'folder' or a manifest URI")
    p.add_argument("--margin", type=fraction, default=DEFAULT_MARGIN,
                   help="promote only when the candidate beats the current model by at least this (default %(default)s)")
    p.add_argument("--metric", choices=METRICS, default="balanced_accuracy",
                   help="video-level metric on the evaluation set that decides (default %(default)s)")
    p.add_argument("--config", default=None, help="training config JSON (as for train)")
    p.add_argument("--synthetic", type=non_negative_int, default=0, metavar="N",
                   help="synthetic training-only sequences per class (as for train)")
    p.add_argument("--train-extra", action="append", default=[], metavar="URI")
    p.add_argument("--num-workers", type=positive_int, default=2)
    p.add_argument("--use-gpu", action="store_true")
    p.add_argument("--group-column", default="group")
    add_ray_arguments(p)


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:500]


def _evaluate(run_uri: str, eval_features: str, stamp: str, metric: str):
    """The run's :class:`Evaluation` on the set; a failure becomes an evaluation without a metric."""
    from ..model.promotion import Evaluation
    from .evaluate import run_evaluate

    try:
        summary = run_evaluate(run_uri, eval_features, storage.join(run_uri, "evaluations", f"retrain-{stamp}"))
    except Exception as exc:  # recorded in the decision; the job goes on to decide
        log.warning("evaluation of %s failed: %s", run_uri, _one_line(exc))
        return Evaluation(run_uri, None, 0, _one_line(exc))
    key = {"accuracy": "video_accuracy"}.get(metric, metric)
    return Evaluation(run_uri, summary.get(key), int(summary["videos"]))


def run_retrain(features_uri: str, eval_features_uri: str, models_uri: str, *, videos_uri: str | None = None,
                labels: str = "folder", margin: float = DEFAULT_MARGIN, metric: str = "balanced_accuracy",
                cfg=None, synthetic: int = 0, train_extra: list[str] | tuple[str, ...] = (), num_workers: int = 2,
                use_gpu: bool = False, group_column: str | None = "group", address: str | None = None,
                num_cpus: int | None = None) -> dict:
    from ..model.artifacts import LATEST, point_latest, resolve_run, run_relative, run_stamp
    from ..model.promotion import METRICS, Evaluation, decide
    from .datasets import video_ids
    from .runtime import ray_session
    from .train import run_train

    require(metric in METRICS, f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    require(0.0 <= margin <= 1.0, f"--margin must be in [0, 1], got {margin}")
    storage.check_writable(models_uri)
    t0, stamp = time.time(), run_stamp()
    with ray_session(address, num_cpus):
        if videos_uri is not None:
            from .extract import print_summary, run_extract

            print_summary(run_extract(videos_uri, features_uri, labels=labels, progress=False))
        overlap = video_ids(features_uri) & video_ids(eval_features_uri)
        require(not overlap, f"{len(overlap)} video(s) are in both the training and the evaluation set (same "
                             f"content hash): the evaluation set must stay unseen")
        current_run = resolve_run(models_uri) if storage.exists(storage.join(models_uri, LATEST)) else None
        try:
            trained = run_train(features_uri, models_uri, cfg=cfg, num_workers=num_workers, use_gpu=use_gpu,
                                synthetic=synthetic, group_column=group_column, train_extra=train_extra,
                                promote=False)
            candidate = _evaluate(trained["run"], eval_features_uri, stamp, metric)
        except Exception as exc:  # a failed training is a decision too (keep the current model), not a crash
            log.error("training failed: %s", _one_line(exc))
            candidate = Evaluation(None, None, 0, _one_line(exc))
        current = _evaluate(current_run, eval_features_uri, stamp, metric) if current_run else None
    decision = decide(candidate, current, margin=margin, metric=metric)
    record = {"stamp": stamp, **decision.to_dict(), "features": features_uri, "eval_features": eval_features_uri,
              "latest_before": current_run, "seconds": round(time.time() - t0, 1)}
    if decision.promote:
        point_latest(models_uri, run_relative(models_uri, candidate.run))
    record["latest_after"] = resolve_run(models_uri) if storage.exists(storage.join(models_uri, LATEST)) else None
    storage.write_json_atomic(storage.join(models_uri, DECISIONS, f"{stamp}.json"), record)
    log.info("retrain: %s (%s)", "promoted" if decision.promote else "kept the current model", decision.reason)
    return record


def run(args) -> int:
    from ..model.config import load_config

    if args.labels != "folder" and args.videos is None:
        raise UserError("--labels needs --videos")
    record = run_retrain(args.features, args.eval_features, args.models, videos_uri=args.videos, labels=args.labels,
                         margin=args.margin, metric=args.metric, cfg=load_config(args.config),
                         synthetic=args.synthetic, train_extra=args.train_extra, num_workers=args.num_workers,
                         use_gpu=args.use_gpu, group_column=args.group_column or None, address=args.address,
                         num_cpus=args.num_cpus)
    print(json.dumps(record, indent=2))
    return 0 if record["candidate"]["run"] and record["candidate"]["metric"] is not None else 1
