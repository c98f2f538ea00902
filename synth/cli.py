"""``exercise-classifier synth``: write a synthetic library (mp4 + landmarks + manifest) or landmarks only.

Cheap to import on purpose (no numpy-heavy modules, cv2 or mediapipe at module level) so ``--help`` and argument
errors are instant. ``--landmarks-only`` writes the same ``<label>/<name>.landmarks.npz`` files and ``manifest.csv``
as a rendered library, minus the videos (the manifest's ``path`` then points at the npz): the fast path for
training data at scale.
"""

from __future__ import annotations

import argparse
import logging
import time

log = logging.getLogger(__name__)


def _resolution(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 640x360, got {text!r}") from None
    if w < 16 or h < 16 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"width and height must be even and >= 16, got {text!r}")
    return w, h


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--per-class", type=int, default=3, help="clips per class (default 3)")
    p.add_argument("--seed", type=int, default=0, help="library seed; same seed -> same landmarks and manifest")
    p.add_argument("--classes", nargs="+", default=None, metavar="CLASS",
                   help="class names (default: all 22); quote names with spaces, e.g. 'bench press'; non-exercise "
                        "motions ('walking', 'standing', 'stretching', 'jumping jacks', 'lunge', 'arm circles') "
                        "are written with source 'synthetic-negative'")
    p.add_argument("--landmarks-only", action="store_true",
                   help="skip rendering: write landmark .npz files and the manifest only (fast path)")
    p.add_argument("--fps", type=int, default=None, help="frame rate for every clip (default: random 24/25/30/60)")
    p.add_argument("--resolution", type=_resolution, default=None, metavar="WxH",
                   help="output size for every clip (default: random, 320x240 .. 1920x1080)")
    p.add_argument("--duration", type=float, default=None, help="clip length in seconds (default: 3-6 s)")
    p.add_argument("--noise", type=float, default=0.0,
                   help="detector-like jitter on the 'landmarks' array (0 = exact, 1 = MediaPipe-like)")
    p.add_argument("--workers", type=int, default=None, help="parallel render processes (default: CPU count, max 4)")


def run(args: argparse.Namespace) -> int:
    from exercise_classifier.classes import UnknownLabelError, normalise_labels
    from exercise_classifier.errors import UserError

    if args.per_class < 1:
        raise UserError(f"--per-class must be at least 1, got {args.per_class}")
    if args.fps is not None and args.fps < 1:
        raise UserError(f"--fps must be at least 1, got {args.fps}")
    if args.duration is not None and args.duration <= 0:
        raise UserError(f"--duration must be positive, got {args.duration}")
    if args.noise < 0:
        raise UserError(f"--noise must be >= 0, got {args.noise}")
    try:
        classes = None
        if args.classes:   # a class, or a non-exercise ("negative") motion such as 'jumping jacks'
            from .negatives import negative_label

            negatives = {c: negative_label(c) for c in args.classes if negative_label(c)}
            rest = dict(zip([c for c in args.classes if c not in negatives],
                            normalise_labels([c for c in args.classes if c not in negatives])))
            classes = [negatives.get(c) or rest[c] for c in args.classes]
    except UnknownLabelError as exc:
        raise UserError(str(exc)) from None
    from exercise_classifier import storage

    storage.check_writable(args.out)

    from .generate import generate_library

    t0 = time.time()
    records = generate_library(args.out, classes, args.per_class, args.seed, render=not args.landmarks_only,
                               fps=args.fps, resolution=args.resolution, duration_s=args.duration, noise=args.noise,
                               workers=args.workers)
    frames = sum(r.frames for r in records)
    kind = "landmark sequences" if args.landmarks_only else "videos"
    print(f"wrote {len(records)} {kind} ({frames} frames) and manifest.csv to {args.out} in {time.time() - t0:.1f} s")
    return 0
