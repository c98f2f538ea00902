from __future__ import annotations

import pytest

from exercise_classifier.errors import UserError
from exercise_classifier.pipelines.inputs import InputError, VideoTask, discover
from exercise_classifier.pipelines.resume import OutputState, plan_shards


def _touch(p):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"x")
    return p


def test_folder_labels_are_normalised(tmp_path):
    _touch(tmp_path / "Push_Up" / "a.mp4")
    _touch(tmp_path / "BARBELL BICEPS CURL" / "b.MOV")
    _touch(tmp_path / "squat" / "notes.txt")
    tasks = discover(str(tmp_path))
    assert [(t.uri.rsplit("/", 1)[1], t.label) for t in tasks] == [("b.MOV", "barbell biceps curl"), ("a.mp4", "push-up")]


def test_unknown_labels_are_all_listed(tmp_path):
    _touch(tmp_path / "squatz" / "a.mp4")
    _touch(tmp_path / "jumping jacks" / "b.mp4")
    with pytest.raises(InputError) as e:
        discover(str(tmp_path))
    assert "'squatz'" in str(e.value) and "'jumping jacks'" in str(e.value)


def test_unlabelled_and_manifest(tmp_path):
    a = _touch(tmp_path / "v" / "x" / "a.mp4")
    _touch(tmp_path / "v" / "b.webm")
    assert all(t.label is None for t in discover(str(tmp_path / "v"), "none"))
    (tmp_path / "m.csv").write_text("path,label,group\nx/a.mp4,Hammer Curl,g1\nb.webm,plank,g2\n")
    tasks = discover(str(tmp_path / "v"), str(tmp_path / "m.csv"))
    assert [(t.label, t.group) for t in tasks] == [("plank", "g2"), ("hammer curl", "g1")]
    assert tasks[1].uri == str(a)


def test_empty_input_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no video files"):
        discover(str(tmp_path))


def test_shard_plan_is_deterministic_and_skips_done():
    tasks = [VideoTask(f"/v/{i}.mp4", 10 + i) for i in range(7)]
    empty = OutputState({})
    a = plan_shards(tasks, empty, 3).shards
    b = plan_shards(tasks, empty, 3).shards
    assert [s.name for s in a] == [s.name for s in b] and [len(s.videos) for s in a] == [3, 3, 1]
    done = OutputState({"old.parquet": {"/v/0.mp4": "ok", "/v/1.mp4": "no_person", "/v/2.mp4": "unreadable"}})
    rest = plan_shards(tasks, done, 3)
    assert [len(s.videos) for s in rest.shards] == [3, 1] and rest.already_done == 3
    assert a[0].name not in {s.name for s in rest.shards}
    with pytest.raises(UserError):
        plan_shards(tasks, empty, 0)


def test_failed_videos_are_redone_in_their_own_shard_only_with_retry_failed():
    tasks = [VideoTask(f"/v/{i}.mp4", 10 + i) for i in range(4)]
    state = OutputState({"p-a.parquet": {"/v/0.mp4": "ok", "/v/1.mp4": "error"},
                         "p-b.parquet": {"/v/2.mp4": "unreadable", "/v/3.mp4": "no_person"}})
    plain = plan_shards(tasks, state, 2)
    assert plain.shards == [] and plain.retryable_left == 1 and plain.already_done == 4
    retry = plan_shards(tasks, state, 2, retry_failed=True)
    (spec,) = retry.shards
    assert spec.name == "p-a.parquet" and spec.replaces and [v.uri for v in spec.videos] == ["/v/1.mp4"]
    assert retry.retrying == 1 and retry.already_done == 3
