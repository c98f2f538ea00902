"""``exercise-classifier evaluate``: a model + labelled feature shards -> metrics JSON + HTML report.

Window-level and video-level (voting) results are reported separately. ``--split test`` restricts the videos
to the model's own held-out test split (saved with the model), so re-evaluating a run never scores videos it
was trained on; the default ``all`` scores every labelled video in the shards (e.g. a fresh, unseen library).
"""

from __future__ import annotations

import json
import logging

from .. import storage
from .runtime import add_ray_arguments

log = logging.getLogger(__name__)


def add_arguments(p) -> None:
    p.add_argument("--model", required=True, help="model output folder (uses its `latest`) or a run folder")
    p.add_argument("--features", required=True, help="folder or s3:// prefix with labelled feature shards")
    p.add_argument("--output", default=None, help="where metrics.json + report.html go "
                                                   "(default: <run>/evaluations/<UTC stamp>)")
    p.add_argument("--split", choices=("all", "train", "val", "test"), default="all",
                   help="only videos of this split of the model (default: all labelled videos)")
    add_ray_arguments(p)


def run_evaluate(model_uri: str, features_uri: str, output_uri: str | None = None, *, split: str = "all",
                 address: str | None = None, num_cpus: int | None = None) -> dict:
    from ..model.artifacts import load_model_dir, read_run_json, run_stamp
    from ..model.config import Config
    from ..model.evaluation import evaluate_videos
    from ..model.report import render_html
    from .datasets import DatasetError, read_videos
    from .runtime import quiet_ray_data, ray_session

    loaded = load_model_dir(model_uri)
    try:
        cfg_dict = read_run_json(loaded.run_uri, "config.json")
        cfg = Config.from_dict(cfg_dict) if cfg_dict else Config()
        output_uri = output_uri or storage.join(loaded.run_uri, "evaluations", run_stamp())
        storage.check_writable(output_uri)
        with ray_session(address, num_cpus):
            quiet_ray_data()
            videos = read_videos(features_uri, group_column=None)
        versions = sorted({v.feature_version for v in videos})
        for ver in versions:
            loaded.check_feature_version(ver, f"the features in {features_uri}")
        if split != "all":
            record = read_run_json(loaded.run_uri, "split.json") or {}
            keep = set(record.get(split, []))
            videos = [v for v in videos if v.video_id in keep]
            if not videos:
                raise DatasetError(f"none of the model's {split} videos are in {features_uri}")
        unknown = sorted({v.label for v in videos} - set(loaded.classes))
        if unknown:
            raise DatasetError(f"labels the model does not know: {', '.join(unknown)}")
        ev = evaluate_videos(loaded.predict_windows, videos, loaded.classes, cfg.windows)
        metrics = {"model_run": loaded.run_uri, "features": features_uri, "split": split, **ev.results}
        history = read_run_json(loaded.run_uri, "history.json")
        storage.write_json_atomic(storage.join(output_uri, "metrics.json"), metrics)
        storage.write_json_atomic(storage.join(output_uri, "predictions.json"), ev.predictions)
        html_doc = render_html(metrics, title=f"exercise-classifier evaluation ({split})", history=history,
                               confidences=ev.confidences)
        storage.write_bytes_atomic(storage.join(output_uri, "report.html"), html_doc.encode())
    finally:
        loaded.close()
    return {"output": output_uri, "videos": len(videos), "video_accuracy": metrics["video"].get("accuracy"),
            "window_accuracy": metrics["window"].get("accuracy"),
            "videos_without_windows": metrics["videos_without_windows"]}


def run(args) -> int:
    from ..cli import CliError
    from ..model.artifacts import ModelDirError
    from .datasets import DatasetError

    try:
        summary = run_evaluate(args.model, args.features, args.output, split=args.split, address=args.address, num_cpus=args.num_cpus)
    except (DatasetError, ModelDirError, storage.StorageError) as exc:
        raise CliError(str(exc)) from None
    print(json.dumps(summary, indent=2))
    return 0
