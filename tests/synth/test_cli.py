"""The ``synth`` subcommand through the installed console script: success and one-line errors with exit 2."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).parent / "exercise-classifier"


def _run(*args: str) -> subprocess.CompletedProcess:
    cmd = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "exercise_classifier"]
    return subprocess.run(cmd + ["synth", *args], capture_output=True, text=True, timeout=120)


def test_landmarks_only_library(tmp_path):
    r = _run("--out", str(tmp_path), "--per-class", "2", "--seed", "3", "--classes", "squat", "Bench Press",
             "--landmarks-only", "--fps", "30")
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "manifest.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {row["label"] for row in rows} == {"squat", "bench press"}
    assert all((tmp_path / row["path"]).exists() for row in rows)
    assert not list(tmp_path.rglob("*.mp4"))


@pytest.mark.parametrize("args, message", [
    (["--classes", "squat", "burpee"], "unknown exercise label"),
    (["--per-class", "0"], "--per-class"),
    (["--per-class", "-3"], "--per-class"),
    (["--duration", "0"], "--duration"),
])
def test_bad_arguments_fail_with_one_line(tmp_path, args, message):
    r = _run("--out", str(tmp_path / "o"), "--landmarks-only", *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr


def test_unwritable_output_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = _run("--out", str(blocker / "sub"), "--landmarks-only", "--classes", "squat")
    assert r.returncode == 2 and "output is not writable" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_argparse_rejects_bad_types(tmp_path):
    r = _run("--out", str(tmp_path), "--per-class", "many")
    assert r.returncode == 2 and "invalid int value" in r.stderr
    r = _run("--out", str(tmp_path), "--resolution", "640by360")
    assert r.returncode == 2 and "WIDTHxHEIGHT" in r.stderr
