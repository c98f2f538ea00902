"""Sets of joined real clips found by forests that never saw the sources of the clips they join.

`analysis-check --segments` scores what `score` wrote with the shipped model, which was trained on every real-dev clip
and so labels the joined clips better than it would label footage from elsewhere. Here each joined video is decided
and analysed as `score` does (`pipelines.video_analysis.analyse_extraction_row`) by the shipped model with its
statistics member replaced by one fitted, with the shipped recipe (synthetic clips, negatives, temperature), on
real-dev without the sources of that video's clips. The shipped model's network has no say in its decisions
(statistics weight 1), so the replaced member is the whole decision. Prints the per-set errors and the same scores
as `analysis-check --segments`; `--output` writes them as JSON.

    .venv/bin/python infra/analysis/held_out_sets.py --real-dev-features FEATS --joined-features JOINED_FEATS \\
        --truth OUT_DIR/truth.json

FEATS: `extract --group-column source_repo` of real-dev; JOINED_FEATS: `extract --labels none` of the videos
`concatenate_clips.py` made in OUT_DIR, whose `truth.json` names each set's `source_repo`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np


def main(real_dev_features: str, joined_features: str, truth_path: str, output: str | None) -> dict:
    from exercise_classifier import storage
    from exercise_classifier.analysis.metrics import SetTally
    from exercise_classifier.classes import CLASSES
    from exercise_classifier.model.artifacts import load_model_dir
    from exercise_classifier.model.config import Config
    from exercise_classifier.model.stats_model import StatsModel, stats_of
    from exercise_classifier.pipelines.analysis_check import print_sets
    from exercise_classifier.pipelines.datasets import dataset_contract, negative_videos, read_videos, synthetic_videos
    from exercise_classifier.pipelines.runtime import quiet_ray_data, ray_session
    from exercise_classifier.pipelines.score import default_model_uri
    from exercise_classifier.pipelines.video_analysis import OPTIONAL_ROW_COLUMNS, ROW_COLUMNS, analyse_extraction_row

    model = load_model_dir(default_model_uri())
    if model.stats is None or model.stats_weight < 1.0:
        raise SystemExit("the shipped model's network has a say in its decisions: replacing the forest is not enough")
    cfg = Config()
    scfg = dataclasses.replace(cfg.stats, temperature=model.stats.temperature)
    contract = dataset_contract(real_dev_features)
    with ray_session(None, None):
        quiet_ray_data()
        videos = read_videos(real_dev_features, group_column="group")
    index = {c: i for i, c in enumerate(CLASSES)}
    y = np.array([index[v.label] for v in videos], np.int64)
    groups = np.array([v.group for v in videos])
    stats = stats_of(videos)
    synth = synthetic_videos(scfg.synthetic_per_class, contract, seed=cfg.train.seed)
    s_stats, s_y = stats_of(synth), np.array([index[v.label] for v in synth], np.int64)
    negatives = stats_of(negative_videos(scfg.negatives_per_motion, contract, seed=cfg.train.seed + 2))
    table = storage.read_parquet_dir(joined_features, ROW_COLUMNS, optional=OPTIONAL_ROW_COLUMNS)
    rows = {r["uri"].rsplit("/", 1)[-1]: r for r in table.to_pylist()}
    tally, per_video = SetTally(), []
    for v in json.loads(storage.read_bytes(truth_path)):
        held = np.isin(groups, [s["source_repo"] for s in v["sets"]])
        weights = np.r_[np.ones((~held).sum()), np.full(len(s_y), scfg.synthetic_weight)]
        fold = StatsModel.fit(np.concatenate([stats[~held], s_stats]), np.concatenate([y[~held], s_y]), len(CLASSES),
                              scfg, sample_weight=weights, negatives=negatives)
        out = analyse_extraction_row(dataclasses.replace(model, stats=fold), rows[v["video"]])
        per_video.append({"video": v["video"], "held_out_sources": int(held.sum()),
                          "sets": tally.add(out["segments"], v["sets"])})
    model.close()
    result = {"scores": tally.scores(), "videos": per_video}
    print_sets(per_video, result["scores"], "sets, forests held out from the clips' sources")
    if output:
        storage.write_bytes_atomic(output, json.dumps(result, indent=1, default=float).encode())
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-dev-features", required=True, help="extract of real-dev with --group-column source_repo")
    ap.add_argument("--joined-features", required=True, help="extract --labels none of the joined videos")
    ap.add_argument("--truth", required=True, help="truth.json written by concatenate_clips.py")
    ap.add_argument("--output", default=None, help="write the result as JSON here")
    a = ap.parse_args()
    main(a.real_dev_features, a.joined_features, a.truth, a.output)
