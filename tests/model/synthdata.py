"""Test data: extraction shards made from the synthetic generator through the real featurisation path.

Each clip goes ``synth.generate.landmark_clip`` -> ``pipelines.rows.sampled_landmarks_row`` -> ``rows_to_table`` ->
Parquet, i.e. exactly what ``extract`` writes for a real video, with a label and a source group.
Also holds a per-session cache so the one expensive trained model is shared by the train and evaluate tests.
"""

from __future__ import annotations

CLASSES4 = ("squat", "push-up", "shoulder press", "barbell biceps curl")
_CACHE: dict = {}


def synthetic_rows(classes=CLASSES4, per_class: int = 8, seed: int = 11, videos_per_group: int = 2,
                   contract=None) -> list[dict]:
    from exercise_classifier.contract import Preprocessing
    from exercise_classifier.pipelines.rows import VideoMeta, sampled_landmarks_row
    from exercise_classifier.synth.generate import landmark_clip

    contract = contract or Preprocessing()
    rows = []
    for label in classes:
        for i in range(per_class):
            clip = landmark_clip(label, seed, i)
            meta = VideoMeta(uri=f"s3://lib/{label}/clip{i}.mp4", video_id=f"{label[:4]}-{seed}-{i:03d}",
                             label=label, group=f"{label}-source{i // videos_per_group}", width=clip.width,
                             height=clip.height, fps=float(clip.fps), frame_count=len(clip.landmarks))
            rows.append(sampled_landmarks_row(meta, clip.landmarks, clip.world, contract))
    return rows


def write_shards(rows: list[dict], out_dir, per_shard: int = 10, contract=None) -> str:
    """Rows -> ``out_dir/shard-XXXX.parquet`` + the dataset manifest, as extract writes them; returns the URI."""
    from exercise_classifier import storage
    from exercise_classifier.contract import Preprocessing, write_dataset_manifest
    from exercise_classifier.pipelines.rows import rows_to_table

    out = str(out_dir)
    write_dataset_manifest(out, contract or Preprocessing())
    for k in range(0, len(rows), per_shard):
        storage.write_parquet_atomic(storage.join(out, f"shard-{k // per_shard:04d}.parquet"),
                                     rows_to_table(rows[k:k + per_shard]))
    return out


def trained_run(tmp_path_factory, epochs: int = 6, synthetic: int = 1) -> dict:
    """Train once per session (2 Ray Train workers) and return paths + summary; later calls reuse it."""
    if "run" in _CACHE:
        return _CACHE["run"]
    import time

    from exercise_classifier.model.config import Config
    from exercise_classifier.pipelines.train import run_train

    base = tmp_path_factory.mktemp("trained")
    features = write_shards(synthetic_rows(), base / "features")
    output = str(base / "models")
    # a few synthetic and non-exercise clips per class for the statistics member: the defaults (20 per class of
    # all 22, 20 per motion) cost ~15 s of featurising per training and test nothing more
    cfg = Config().replace("train", epochs=epochs, early_stopping_patience=50).replace(
        "stats", synthetic_per_class=3, negatives_per_motion=3)
    t0 = time.time()
    summary = run_train(features, output, cfg=cfg, num_workers=2, synthetic=synthetic)
    _CACHE["run"] = {"features": features, "output": output, "summary": summary, "seconds": time.time() - t0,
                     "cfg": cfg}
    return _CACHE["run"]
