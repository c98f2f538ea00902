"""Fixtures for pipeline tests: a small synthetic video library plus deliberately broken files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import media  # noqa: E402

SYNTH_CLASSES = ("squat", "push-up", "shoulder press")


@pytest.fixture(scope="session")
def synth_library(tmp_path_factory) -> Path:
    """Rendered synthetic clips (<label>/<clip>.mp4), one per class in SYNTH_CLASSES, made once per session."""
    from exercise_classifier.synth.generate import generate_library

    out = tmp_path_factory.mktemp("synth-lib")
    generate_library(out, list(SYNTH_CLASSES), per_class=1, seed=7, resolution=(640, 360), duration_s=3.0)
    return out


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory, synth_library) -> dict[str, Path]:
    """One file per failure mode the extract job must survive, keyed by the expected status."""
    d = tmp_path_factory.mktemp("bad")
    good = next(synth_library.rglob("*.mp4"))
    files = {
        "zero_byte": d / "zero.mp4",
        "truncated": media.truncate(good, d / "truncated.mp4", 0.3),
        "text": d / "text.mp4",
        "audio_only": media.write_audio_only(d / "audio.mp4"),
        "one_frame": media.write_video(d / "one_frame.mp4", media.noise_frames(1)),
        "no_person": media.write_video(d / "no_person.mp4", media.noise_frames(45)),
        "huge": media.write_video(d / "huge.mp4", media.noise_frames(3, 3840, 2160)),
    }
    files["zero_byte"].write_bytes(b"")
    files["text"].write_text("this is not a video\n" * 10)
    return files


def copy_library(src: Path, dst: Path, extra: dict[str, Path] | None = None, label: str = "squat") -> Path:
    """A fresh labelled library: the synthetic clips plus extra files filed under ``label``."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.npz", "*.csv", "*.json"))
    for name, path in (extra or {}).items():
        shutil.copy(path, dst / label / f"{name}{path.suffix}")
    return dst
