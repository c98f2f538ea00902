#!/usr/bin/env bash
# Build the CPU and GPU images with tags derived from the pins, so a tag says exactly what is inside:
#   exercise-classifier:<package version>-ray<ray>-tf<tensorflow>-<cpu|gpu>
# Usage (repo root): infra/docker/build.sh [REGISTRY]   e.g. infra/docker/build.sh 123456789012.dkr.ecr.us-east-1.amazonaws.com
# With REGISTRY the images are tagged for it and pushed.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG=$(python3 infra/docker/image_tag.py)
for VARIANT in cpu gpu; do
    IMAGE="exercise-classifier:${TAG}-${VARIANT}"
    docker build --build-arg VARIANT=$VARIANT -f infra/docker/Dockerfile -t "$IMAGE" .
    if [ $# -ge 1 ]; then
        docker tag "$IMAGE" "$1/$IMAGE"
        docker push "$1/$IMAGE"
    fi
    echo "built $IMAGE"
done
