"""Per-video analysis from landmarks: repetitions, exercise segments, range of motion (pure, no I/O, no Ray)."""
