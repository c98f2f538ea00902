"""Make multi-exercise test videos from real clips, with the truth of their sets, for `analysis-check --segments`.

Joins 2-3 clips of different classes from different sources (letterboxed to one frame size, resampled to one frame
rate, no rest added: each clip's own lead-in and walk-off are the rest) into one mp4 per video, and writes
`truth.json`: per video its sets in order, each from the clip's first counted rep to its last (times taken from the
eye counts), with the class, source and rep count. The videos are made again by this script and stay out of git.

    .venv/bin/python infra/analysis/concatenate_clips.py ../shared/data/real-dev \\
        tests/analysis/data/real_dev_reps.csv OUT_DIR [--videos 10] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random

import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 640, 480, 30.0


def _frames(path: str) -> tuple[list[np.ndarray], float]:
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame)
    cap.release()
    return out, fps


def _letterbox(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    s = min(WIDTH / w, HEIGHT / h)
    small = cv2.resize(frame, (int(w * s), int(h * s)))
    canvas = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    y0, x0 = (HEIGHT - small.shape[0]) // 2, (WIDTH - small.shape[1]) // 2
    canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return canvas


def join_clips(paths: list[str], out_path: str) -> list[float]:
    """Write ``paths`` one after the other into one mp4 (letterboxed to one size, resampled to one rate); returns
    the time each clip starts at in it, and last the joined video's duration, in seconds."""
    writer = cv2.VideoWriter(out_path, cv2.VideoWriter_fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    starts, t0 = [], 0.0
    for path in paths:
        frames, fps = _frames(path)
        n_out = int(len(frames) / fps * FPS)
        for i in range(n_out):
            writer.write(_letterbox(frames[min(int(i / FPS * fps), len(frames) - 1)]))
        starts.append(t0)
        t0 += n_out / FPS
    writer.release()
    return [*starts, t0]


def main(real_dev: str, counts_csv: str, out_dir: str, videos: int, seed: int) -> None:
    manifest = {r["path"]: r for r in csv.DictReader(open(os.path.join(real_dev, "manifest.csv")))}
    counted = [r for r in csv.DictReader(open(counts_csv))
               if r["confidence"] == "clear" and r["first_rep_start_s"] and r["last_rep_end_s"] and int(r["reps"]) >= 1]
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    truth = []
    for k in range(videos):
        n = 2 if k < (videos * 6) // 10 else 3
        while True:
            pick = rng.sample(counted, n)
            if len({p["label"] for p in pick}) == n and len({manifest[p["path"]]["source_repo"] for p in pick}) == n:
                break
        name = f"multi{k:02d}.mp4"
        starts = join_clips([os.path.join(real_dev, p["path"]) for p in pick], os.path.join(out_dir, name))
        sets = [{"label": p["label"], "path": p["path"], "source_repo": manifest[p["path"]]["source_repo"],
                 "start_s": round(t0 + float(p["first_rep_start_s"]), 2),
                 "end_s": round(t0 + float(p["last_rep_end_s"]), 2), "reps": int(p["reps"]),
                 "partial": int(p["partial_start"]) + int(p["partial_end"])} for p, t0 in zip(pick, starts)]
        t0 = starts[-1]
        truth.append({"video": name, "duration_s": round(t0, 2), "sets": sets})
        print(name, [(s["label"], s["start_s"], s["end_s"]) for s in sets])
    with open(os.path.join(out_dir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("real_dev")
    ap.add_argument("counts")
    ap.add_argument("out")
    ap.add_argument("--videos", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    main(a.real_dev, a.counts, a.out, a.videos, a.seed)
