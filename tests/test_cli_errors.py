"""Every subcommand: a missing or nonexistent input, an unwritable output and a bad value each end with exit status
2, exactly one line on stderr, and nothing written. Runs the installed console command, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "model"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthdata  # noqa: E402


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """Real inputs (so each case fails for the reason it names) and the three kinds of bad path."""
    base = tmp_path_factory.mktemp("cli-errors")
    blocker = base / "a-file"
    blocker.write_text("a regular file: nothing can be created beneath it, not even by root\n")
    videos = base / "videos" / "squat"
    videos.mkdir(parents=True)
    import media

    media.write_video(videos / "clip.mp4", media.noise_frames(3))
    features = synthdata.write_shards(synthdata.synthetic_rows(classes=("squat",), per_class=1), base / "features")
    return {"base": base, "unwritable": str(blocker / "out"), "missing": str(base / "does-not-exist"),
            "videos": str(videos.parent), "features": features}


def _fresh(places, name: str) -> str:
    return str(places["base"] / f"fresh-{name}")


def _cases(p) -> list[tuple[str, list[str], str, str | None]]:
    """(case id, argv, text the one error line must contain, output path that must not appear)."""
    fresh = {k: _fresh(p, k) for k in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m")}
    v, f, m, u = p["videos"], p["features"], p["missing"], p["unwritable"]
    return [
        ("synth-unwritable", ["synth", "--out", u, "--per-class", "1", "--landmarks-only"], "not writable", None),
        ("synth-bad-value", ["synth", "--out", fresh["a"], "--per-class", "0"], "per-class", fresh["a"]),
        ("synth-bad-class", ["synth", "--out", fresh["b"], "--classes", "moonwalk"], "moonwalk", fresh["b"]),
        ("extract-missing-arg", ["extract", "--output", fresh["c"]], "--input", fresh["c"]),
        ("extract-no-input", ["extract", "--input", m, "--output", fresh["d"]], "not found", fresh["d"]),
        ("extract-unwritable", ["extract", "--input", v, "--output", u], "not writable", None),
        ("extract-bad-fps", ["extract", "--input", v, "--output", fresh["e"], "--sample-fps", "0"], "sample-fps",
         fresh["e"]),
        ("extract-bad-shard", ["extract", "--input", v, "--output", fresh["e"], "--videos-per-shard", "0"],
         "videos-per-shard", fresh["e"]),
        ("train-no-input", ["train", "--features", m, "--output", fresh["f"]], "does-not-exist", fresh["f"]),
        ("train-unwritable", ["train", "--features", f, "--output", u], "not writable", None),
        ("train-bad-epochs", ["train", "--features", f, "--output", fresh["g"], "--epochs", "0"], "epochs",
         fresh["g"]),
        ("evaluate-no-model", ["evaluate", "--model", m, "--features", f, "--output", fresh["h"]], "no model",
         fresh["h"]),
        ("evaluate-no-features", ["evaluate", "--model", _default_model(), "--features", m, "--output", fresh["h"]],
         "does-not-exist", fresh["h"]),
        ("evaluate-no-videos", ["evaluate", "--model", _default_model(), "--input", m, "--output", fresh["h"]],
         "not found", fresh["h"]),
        ("evaluate-unwritable", ["evaluate", "--model", _default_model(), "--features", f, "--output", u],
         "not writable", None),
        ("evaluate-bad-split", ["evaluate", "--model", _default_model(), "--features", f, "--output", fresh["h"],
                                "--split", "sometimes"], "split", fresh["h"]),
        ("score-no-input", ["score", "--input", m, "--output", fresh["i"]], "not found", fresh["i"]),
        ("score-unwritable", ["score", "--input", v, "--output", u], "not writable", None),
        ("score-bad-value", ["score", "--input", v, "--output", fresh["j"], "--uncertain-below", "2"],
         "uncertain-below", fresh["j"]),
        ("score-no-model", ["score", "--input", v, "--output", fresh["j"], "--model", m], "no model", fresh["j"]),
        ("demo-no-input", ["demo", "--input", m, "--workdir", fresh["k"]], "not found", fresh["k"]),
        ("demo-unwritable", ["demo", "--workdir", u], "not writable", None),
        ("demo-bad-value", ["demo", "--workdir", fresh["l"], "--epochs", "0"], "epochs", fresh["l"]),
        ("cv-no-input", ["cv", "--features", m, "--output", fresh["a"] + "-cv"], "does-not-exist", fresh["a"] + "-cv"),
        ("cv-unwritable", ["cv", "--features", f, "--output", u], "not writable", None),
        ("cv-bad-value", ["cv", "--features", f, "--output", fresh["a"] + "-cv", "--synthetic-per-class", "-1"],
         "synthetic-per-class", fresh["a"] + "-cv"),
        ("bench-no-input", ["bench", "--input", m], "not found", None),
        ("bench-unwritable", ["bench", "--input", v, "--output", u + "/bench.json"], "not writable", None),
        ("bench-bad-value", ["bench", "--input", v, "--max-clips", "0", "--output", fresh["m"]], "max-clips",
         fresh["m"]),
    ]


def _default_model() -> str:
    from exercise_classifier.pipelines.score import default_model_uri

    return default_model_uri()


CASE_IDS = [c[0] for c in _cases({"base": Path("/x"), "unwritable": "", "missing": "", "videos": "",
                                  "features": ""})]


@pytest.mark.parametrize("case", CASE_IDS)
def test_user_error_is_one_line_exit_2_and_writes_nothing(case, places, cli_env):
    _, argv, expected, output = next(c for c in _cases(places) if c[0] == case)
    proc = subprocess.run(["exercise-classifier", *argv], capture_output=True, text=True, env=cli_env, timeout=120)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert len(lines) == 1, proc.stderr
    assert expected in lines[0], lines[0]
    assert "Traceback" not in proc.stderr and "testing-secret" not in proc.stderr
    if output is not None:
        assert not Path(output).exists(), f"{case}: {output} was created"
