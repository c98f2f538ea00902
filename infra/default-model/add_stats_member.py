"""Fit the per-video statistics member on labelled feature shards and add it to an existing model run.

Used for the shipped model (model/default): its sequence network was trained earlier (train.sh); the forest is fitted
here on every real-dev clip plus the config's synthetic sequences, with the stats settings that won the
leave-one-source-out cross-validation (docs/accuracy.md). A fresh `train.sh` run fits both members itself.

    .venv/bin/python infra/default-model/add_stats_member.py FEATURES MODEL_DIR [WEIGHT] [TEMPERATURE]

TEMPERATURE: the one `exercise-classifier cv` recommends for these features ("temperature_fitted_on_all_folds").
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

from exercise_classifier import storage
from exercise_classifier.classes import CLASSES
from exercise_classifier.model.artifacts import MANIFEST, STATS_FILE, read_manifest, stats_member_entry, write_none_forest
from exercise_classifier.model.config import Config
from exercise_classifier.pipelines.datasets import check_features_contract, read_videos
from exercise_classifier.pipelines.runtime import ray_session
from exercise_classifier.pipelines.train import fit_stats_member


def main(features: str, model_dir: str, weight: float = 1.0, temperature: float = 1.0) -> None:
    run_uri, manifest, contract = read_manifest(model_dir)
    check_features_contract(features, contract, what=f"the model at {run_uri}")
    cfg = Config().override({"stats": {"weight": weight, "temperature": temperature}})
    with ray_session(None, None):
        videos = read_videos(features, group_column="group")
    stats = fit_stats_member(videos, contract, cfg, {c: i for i, c in enumerate(CLASSES)})
    with tempfile.TemporaryDirectory() as d:
        stats.save(os.path.join(d, STATS_FILE))
        storage.write_bytes_atomic(storage.join(run_uri, STATS_FILE), open(os.path.join(d, STATS_FILE), "rb").read())
        if stats.none_forest is not None:
            write_none_forest(run_uri, stats.none_forest, d)
    manifest.setdefault("members", {"network": {"file": manifest["model_file"]}})
    manifest["members"]["stats"] = {**stats_member_entry(stats, weight),
                                    "trained_on": {"videos": len(videos), "features": os.path.basename(features),
                                                   "synthetic_per_class": cfg.stats.synthetic_per_class},
                                    "config": cfg.to_dict()["stats"]}
    storage.write_json_atomic(storage.join(run_uri, MANIFEST), manifest)
    print(json.dumps(manifest["members"], indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(float(a) for a in sys.argv[3:5]))
