"""The ``exercise-classifier`` console command.

Each subcommand lives in the module that owns the work and exposes two functions:
``add_arguments(parser)`` and ``run(args) -> int``. Those modules must stay cheap to import (no TensorFlow,
MediaPipe or Ray at module level) so that ``--help`` and argument errors are instant, and so a Ray job can call
the command as it is (``ray job submit -- exercise-classifier extract ...``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# name -> (module, one-line help). Order is the order shown in --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("exercise_classifier.synth.cli", "generate synthetic exercise clips or landmark sequences"),
    "extract": ("exercise_classifier.pipelines.extract", "videos -> pose/feature Parquet shards (Ray Data)"),
    "train": ("exercise_classifier.pipelines.train", "train the classifier on feature shards (Ray Train)"),
    "evaluate": ("exercise_classifier.pipelines.evaluate", "evaluate a model on feature shards; JSON + HTML report"),
    "cv": ("exercise_classifier.pipelines.cv", "cross-validation leaving whole sources out (the accuracy protocol)"),
    "retrain": ("exercise_classifier.pipelines.retrain", "scheduled re-training: extract new, train, evaluate, promote "
                                                         "only past a margin"),
    "score": ("exercise_classifier.pipelines.score", "label a video library with a trained model (Ray Data)"),
    "analysis-check": ("exercise_classifier.pipelines.analysis_check",
                       "score predicted reps and sets against counts made by eye / joined clips' truth"),
    "demo": ("exercise_classifier.pipelines.demo", "the whole chain on a small synthetic library"),
    "bench": ("exercise_classifier.pipelines.bench", "measure extraction throughput against the pose-only limit"),
}


from .errors import UserError  # noqa: E402


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is exactly one line on stderr (exit 2), like every other user error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="exercise-classifier", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)  # a broken subcommand is a bug to see, not to hide
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        message = " ".join(str(exc).split())  # exactly one line, whatever the exception text holds
        print(f"exercise-classifier {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
