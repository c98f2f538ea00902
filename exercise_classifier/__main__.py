"""``python -m exercise_classifier`` is the console command ``exercise-classifier``."""

import sys

from .cli import main

sys.exit(main())
