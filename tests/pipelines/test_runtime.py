"""How the jobs start their Ray stages: the pose actors' process environment reaches them."""

from __future__ import annotations

import os

import numpy as np


class _ReportEnvironment:
    """A stand-in stage that reports what its process sees (the real PoseActor needs videos and a contract)."""

    def __call__(self, batch: dict) -> dict:
        from exercise_classifier.pipelines.pose import POSE_PROCESS_ENV

        return {key: np.array([os.environ.get(key, "") for _ in batch["id"]]) for key in POSE_PROCESS_ENV}


def test_pose_actors_run_with_the_pose_process_environment(ray_local):
    from exercise_classifier.pipelines.pose import POSE_PROCESS_ENV
    from exercise_classifier.pipelines.runtime import pose_stage_options

    assert POSE_PROCESS_ENV, "nothing to check"
    # from_items, as the jobs start: a read task would wait for a CPU the pool's actors hold
    ds = ray_local.data.from_items([{"id": i} for i in range(4)], override_num_blocks=2).map_batches(
        _ReportEnvironment, batch_size=1, batch_format="numpy", **pose_stage_options(ray_local, 2))
    rows = ds.take_all()
    assert len(rows) == 4
    for row in rows:
        for key, value in POSE_PROCESS_ENV.items():
            assert row[key] == value, f"{key} did not reach the actor"
