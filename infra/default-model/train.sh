#!/usr/bin/env bash
# Rebuild the model shipped in model/default/ (run from the repo root after `make install`).
# Data: the real-dev clips beside the checkout (split by source group: val/test stay real footage) plus a rendered
# synthetic library of all 22 classes that only ever joins the training split (--train-extra).
# Nothing here is committed except the resulting small model directory.
set -euo pipefail
WORK=${WORK:-/tmp/default-model}
REAL=${REAL:-../shared/data/real-dev}
BIN=.venv/bin
$BIN/exercise-classifier synth --out "$WORK/synth" --per-class 10 --seed 1001 --workers 2
$BIN/exercise-classifier extract --input "$WORK/synth" --output "$WORK/synth-features" \
    --labels "$WORK/synth/manifest.csv" --no-progress
$BIN/exercise-classifier extract --input "$REAL" --output "$WORK/real-features" \
    --labels "$REAL/manifest.csv" --no-progress
$BIN/exercise-classifier train --features "$WORK/real-features" --train-extra "$WORK/synth-features" \
    --synthetic 20 --config infra/default-model/config.json --output "$WORK/models" --num-workers 2
RUN=$(python3 -c "import json,sys; print(json.load(open('$WORK/models/latest'))['run'])")
rm -rf model/default && mkdir -p model/default
cp "$WORK/models/$RUN"/{model.keras,forest.npz,manifest.json,config.json,history.json,split.json,metrics.json,report.html} model/default/
