# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
# Both create .venv if missing and install the pinned set; the install is skipped when nothing changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test demo clean

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip "setuptools>=70"
	$(BIN)/python -m pip install -q -r requirements.txt
	# mediapipe/tf-keras without dependency resolution: their declared deps would pull opencv-contrib (libGL), jax
	# and a second TensorFlow wheel. Re-assert headless OpenCV in case an earlier install replaced cv2.
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install -q --no-deps --force-reinstall opencv-python-headless==4.11.0.86
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/python -m pytest tests

demo: install
	$(BIN)/exercise-classifier demo

clean:
	rm -rf $(VENV) build *.egg-info
