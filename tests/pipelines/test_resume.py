"""Failures that heal: transient errors are retried on request, crashed jobs resume without duplicates or leftovers,
and pose workers never import TensorFlow. Real Ray, real MediaPipe, real files; the crashes are real SIGKILLs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from exercise_classifier import storage
from exercise_classifier.contract import Preprocessing
from exercise_classifier.pipelines import schema
from exercise_classifier.pipelines.extract import SUMMARY_NAME, run_extract
from exercise_classifier.pipelines.inputs import discover
from exercise_classifier.pipelines.resume import plan_shards, scan_output
from exercise_classifier.pipelines.score import run_score
from exercise_classifier.pipelines.video_stage import PoseActor

from .conftest import copy_library

pytestmark = pytest.mark.slow


def _rows(uri: str) -> list[dict]:
    table = storage.read_parquet_dir(uri, columns=["uri", "status", "error", "processing_s"])
    return [] if table is None else table.to_pylist()


def _run_stage_in_actor(ray, items: list[dict], output_uri: str) -> None:
    """The real extract stage (PoseActor writing its shard), in a Ray actor process of its own as in the job."""
    actor = ray.remote(num_cpus=1)(PoseActor).remote(Preprocessing().to_json(), output_uri=output_uri)
    try:
        batch = {k: [it[k] for it in items] for k in items[0]}
        ray.get(actor.__call__.remote(batch))
    finally:
        ray.kill(actor)


def test_transient_failure_is_kept_then_healed_by_retry_failed(ray_local, tmp_path, synth_library):
    lib = copy_library(synth_library, tmp_path / "lib")
    out = str(tmp_path / "out")
    tasks = discover(str(lib))
    plan = plan_shards(tasks, scan_output(out), videos_per_shard=8)
    assert len(plan.shards) == 1 and plan.todo == len(tasks) == 3
    # the video is listed, then unreachable while the worker runs (a storage hiccup): its row says `error`
    victim = Path(tasks[1].uri)
    hidden = victim.with_name(".away")
    victim.rename(hidden)
    storage.check_writable(out)
    from exercise_classifier.contract import write_dataset_manifest

    write_dataset_manifest(out, Preprocessing())
    _run_stage_in_actor(ray_local, [plan.shards[0].to_item()], out)
    hidden.rename(victim)
    first = {r["uri"]: r for r in _rows(out)}
    assert first[str(victim)]["status"] == schema.STATUS_ERROR and "vanished" in first[str(victim)]["error"]

    # a plain re-run resumes: nothing is redone, the failure is reported as retryable
    again = run_extract(str(lib), out, progress=False)
    assert again["videos_processed"] == 0 and again["retryable_left"] == 1
    assert {r["uri"]: r["status"] for r in _rows(out)} == {u: r["status"] for u, r in first.items()}

    healed = run_extract(str(lib), out, retry_failed=True, progress=False)
    assert healed["videos_retried"] == healed["videos_processed"] == 1 and healed["retryable_left"] == 0
    after = _rows(out)
    assert sorted(r["uri"] for r in after) == sorted(t.uri for t in tasks), "every video exactly once"
    by_uri = {r["uri"]: r for r in after}
    assert by_uri[str(victim)]["status"] == schema.STATUS_OK
    for uri, r in first.items():  # the other rows were kept as they were, not processed again
        if uri != str(victim):
            assert by_uri[uri] == r
    assert len(storage.list_files(out, (".parquet",))) == 1, "the retried video went back into its own shard"
    assert healed["status_counts_total"] == {schema.STATUS_OK: 3}


def test_output_made_with_other_preprocessing_is_refused(ray_local, tmp_path, synth_library):
    from exercise_classifier.contract import ContractError

    lib = tmp_path / "lib"
    shutil.copytree(next(synth_library.iterdir()), lib / "squat")
    out = str(tmp_path / "out")
    run_extract(str(lib), out, progress=False)
    before = sorted(p.name for p in Path(out).iterdir())
    (lib / "squat" / "more.mp4").write_bytes(next((lib / "squat").glob("*.mp4")).read_bytes())
    with pytest.raises(ContractError, match="sample_fps 15.0 vs 10.0"):
        run_extract(str(lib), out, contract=Preprocessing(sample_fps=10), progress=False)
    assert sorted(p.name for p in Path(out).iterdir()) == before, "nothing written"


class _ProbingPoseActor(PoseActor):
    """The real pose stage, reporting whether its process holds TensorFlow after doing its work."""

    def __call__(self, batch):
        out = super().__call__(batch)
        tf_loaded = sys.modules.get("tensorflow") is not None or any(
            m.startswith("tensorflow.") or m == "tf_keras" or m.startswith("keras") for m in sys.modules)
        return out.append_column("tensorflow_loaded", pa.array([tf_loaded] * out.num_rows))


def test_pose_workers_never_import_tensorflow(ray_local, tmp_path, synth_library):
    tasks = discover(str(synth_library))[:2]
    plan = plan_shards(tasks, scan_output(str(tmp_path / "o")), videos_per_shard=1)
    ds = ray_local.data.from_items([s.to_item() for s in plan.shards]).map_batches(
        _ProbingPoseActor, fn_constructor_kwargs=dict(contract_json=Preprocessing().to_json()), batch_size=1,
        batch_format="numpy", compute=ray_local.data.ActorPoolStrategy(size=1), num_cpus=1)
    rows = ds.take_all()
    assert len(rows) == 2 and all(r["status"] == schema.STATUS_OK for r in rows)
    assert not any(r["tensorflow_loaded"] for r in rows)


# -- crash and resume -----------------------------------------------------------------------------------------------
def _library(tmp_path: Path, synth_library: Path, n: int) -> Path:
    lib = tmp_path / "lib"
    videos = sorted(synth_library.rglob("*.mp4"))
    for i in range(n):
        src = videos[i % len(videos)]
        (lib / src.parent.name).mkdir(parents=True, exist_ok=True)
        data = src.read_bytes() + bytes([i])  # distinct content per copy (trailing byte after the mp4 boxes)
        (lib / src.parent.name / f"copy{i}.mp4").write_bytes(data)
    return lib


def _kill_after_first_shard(argv: list[str], out: Path, prefix: str, env: dict) -> dict:
    """Start the CLI job, SIGKILL its driver as soon as the first shard exists; return what was there."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 300
    shards: list[Path] = []
    try:
        while time.time() < deadline and proc.poll() is None:
            shards = list(out.glob(f"{prefix}-*.parquet")) if out.exists() else []
            if shards:
                break
            time.sleep(0.1)
        assert proc.poll() is None, f"the job ended before it could be killed: {proc.stderr.read()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        # Ray's own processes belong to the dead driver's session: end them so they cannot outlive the test
        time.sleep(2)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return {"returncode": proc.returncode, "shards_at_kill": len(shards)}


def _plant_stale_temporary(out: Path) -> Path:
    stale = out / ".part-deadbeef.parquet.tmp-crashed"
    stale.write_bytes(b"half a shard")
    return stale


JOBS = {  # job -> (output prefix, its CLI flags, how a re-run resumes it in-process)
    "extract": ("part", ["--num-cpus", "1"],
                lambda lib, out: run_extract(lib, out, videos_per_shard=1, progress=False)),
    "score": ("pred", ["--num-cpus", "2"],
              lambda lib, out: run_score(out, input_uri=lib, videos_per_shard=1, progress=False)),
}


@pytest.mark.parametrize("job", sorted(JOBS))
def test_job_resumes_after_its_driver_is_killed(job, ray_local, tmp_path, synth_library, cli_env):
    """SIGKILL the driver once its first shard exists, plant a stale temporary, re-run: every video exactly once,
    the temporary gone, the already written shards skipped, and the summary's totals equal to the rows."""
    prefix, flags, resume = JOBS[job]
    lib = _library(tmp_path, synth_library, 5)
    out = tmp_path / "out"
    argv = ["exercise-classifier", job, "--input", str(lib), "--output", str(out), "--videos-per-shard", "1",
            "--no-progress", *flags]
    killed = _kill_after_first_shard(argv, out, prefix, cli_env)
    assert killed["returncode"] == -signal.SIGKILL and 1 <= killed["shards_at_kill"] < 5
    stale = _plant_stale_temporary(out)
    summary = resume(str(lib), str(out))
    rows = storage.read_parquet_dir(str(out)).to_pylist()
    assert sorted(r["uri"] for r in rows) == sorted(str(p) for p in lib.rglob("*.mp4")), "each video exactly once"
    assert {r["status"] for r in rows} == {schema.STATUS_OK}
    assert not stale.exists() and not [p for p in out.iterdir() if ".tmp-" in p.name]
    assert summary["videos_skipped_already_done"] >= killed["shards_at_kill"]
    on_disk = json.loads((out / SUMMARY_NAME).read_text())
    assert on_disk["status_counts_total"] == {schema.STATUS_OK: len(rows)}
    if job == "score":
        assert all(r["predicted_label"] for r in rows)
