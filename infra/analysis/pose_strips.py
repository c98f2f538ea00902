"""Draw what the model saw of a few clips: stick figures of their pose landmarks, one row of frames per clip.

Why skeletons and not video frames: the real-dev clips are third-party footage of unknown licence, so frames of them
must not enter the repository; the landmarks MediaPipe extracted are the model's whole input anyway, so a drawing of
them shows a failure case as the model met it (a rotated video, legs lost under a pad, a hinge that looks like
another). Reads an extraction's feature shards (``exercise-classifier extract``); writes one PNG or SVG.

    python infra/analysis/pose_strips.py --features /tmp/realdev-features --output docs/failure-cases.png \\
        --clip "romanian deadlift/sumukh0504-romainian.mp4=RDL scored as deadlift" \\
        --clip "deadlift/jrplatin-deadlift.mp4=a deadlift, scored right"
"""

from __future__ import annotations

import argparse

import numpy as np

from exercise_classifier import storage
from exercise_classifier.features.landmarks import LANDMARK_INDEX as I

# The body's segments by landmark name (face left out: it says nothing about the exercise).
BONES = [("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")] + [
    (f"{s}_{a}", f"{s}_{b}") for s in ("left", "right") for a, b in (
        ("shoulder", "elbow"), ("elbow", "wrist"), ("wrist", "index"), ("shoulder", "hip"), ("hip", "knee"),
        ("knee", "ankle"), ("ankle", "foot_index"), ("ankle", "heel"))]
COLOURS = {"left": "tab:blue", "right": "tab:orange", "both": "0.3"}


def _side(a: str, b: str) -> str:
    return a.split("_")[0] if a.split("_")[0] == b.split("_")[0] else "both"


def pick_frames(landmarks: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` detected frames evenly spread over the clip."""
    seen = np.flatnonzero(np.isfinite(landmarks[:, :, 0]).all(axis=1))
    if len(seen) == 0:
        return seen
    return seen[np.linspace(0, len(seen) - 1, min(n, len(seen))).round().astype(int)]


def draw_row(axes, landmarks: np.ndarray, aspect: float, times: np.ndarray, frames: np.ndarray) -> None:
    """One clip: a stick figure per chosen frame, image coordinates (y down), the frame's aspect kept, every panel
    of the row showing the same region: the box around the body over the chosen frames, so its motion shows."""
    pts = landmarks[frames, :, :2] * np.array([aspect, 1.0]) if len(frames) else np.zeros((1, 1, 2))
    lo, hi = pts.reshape(-1, 2).min(axis=0), pts.reshape(-1, 2).max(axis=0)
    half = max(hi - lo) * 0.55 + 1e-3
    cx, cy = (lo + hi) / 2
    for ax, k in zip(axes, frames):
        p = landmarks[k, :, :2] * np.array([aspect, 1.0])
        for a, b in BONES:
            ax.plot(*zip(p[I[a]], p[I[b]]), "-", color=COLOURS[_side(a, b)], lw=2)
        ax.plot(*p[I["nose"]], "o", color="0.3", ms=4)
        ax.set(xlim=(cx - half, cx + half), ylim=(cy + half, cy - half), aspect="equal", xticks=[], yticks=[])
        ax.set_title(f"{times[k]:.1f} s", fontsize=7)
    for ax in axes[len(frames):]:
        ax.axis("off")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--features", required=True, help="an extraction's output folder (or s3:// prefix)")
    ap.add_argument("--clip", action="append", required=True,
                    help="'path ending=caption': a video (matched as the end of its URI) and the row's caption")
    ap.add_argument("--frames", type=int, default=6, help="frames per clip (default 6)")
    ap.add_argument("--output", required=True, help="PNG or SVG to write")
    args = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = storage.read_parquet_dir(args.features, columns=["uri", "landmarks", "width", "height", "frame_index",
                                                              "fps"])
    if table is None:
        raise SystemExit(f"no feature shards under {args.features}")
    rows = table.to_pylist()
    fig, grid = plt.subplots(len(args.clip), args.frames, figsize=(1.4 * args.frames + 1.8, 1.45 * len(args.clip)),
                             squeeze=False)
    for axes, spec in zip(grid, args.clip):
        path, _, caption = spec.partition("=")
        found = [r for r in rows if r["uri"].endswith("/" + path)]
        if not found:
            raise SystemExit(f"{path}: not in {args.features}")
        r = found[0]
        lm = np.asarray(r["landmarks"], np.float32).reshape(-1, 33, 4)
        times = np.asarray(r["frame_index"], np.float64) / float(r["fps"] or 30.0)
        aspect = (r["width"] / r["height"]) if r["width"] and r["height"] else 1.0
        draw_row(axes, lm, aspect, times, pick_frames(lm, args.frames))
        axes[0].text(-0.15, 0.5, caption or path, transform=axes[0].transAxes, ha="right", va="center",
                     fontsize=8, wrap=True)
    fig.tight_layout()
    fig.subplots_adjust(left=1.8 / (1.4 * args.frames + 1.8))
    fig.savefig(args.output, dpi=80)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
