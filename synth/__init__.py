"""Synthetic exercise data: a 3D body model, one motion program per class, a camera that stays within the views
MediaPipe reads correctly, and two outputs from one code path -- rendered videos (numpy ray-caster) with
ground-truth landmarks, or the landmark sequences alone (fast path for training data at scale).

Entry points: :func:`exercise_classifier.synth.generate.generate_library` (files + manifest),
:func:`exercise_classifier.synth.generate.landmark_clip` (one clip in memory) and the ``synth`` CLI subcommand.
"""
