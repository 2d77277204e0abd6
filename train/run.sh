#!/usr/bin/env bash
# Regenerates public/models/toy and test/fixtures/toy from scratch (or, with --smoke, a tiny
# model under build/smoke/ for CI). Uses Debian's python3 and its torch, never PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c "import torch, numpy, onnx, regex" 2>/dev/null; then
  echo "train: Debian's python3 lacks torch/numpy/onnx/regex. Install them with:" >&2
  echo "  apt-get install -y python3-torch python3-numpy python3-onnx python3-regex libopenblas0-pthread bible-kjv" >&2
  exit 1
fi
if ! command -v bible >/dev/null; then
  echo "train: the 'bible' command is missing: apt-get install -y bible-kjv" >&2
  exit 1
fi
if [ "${1:-}" = "--smoke" ]; then
  shift
  exec "$PY" train/pipeline.py --config smoke --out build/smoke/models/toy-smoke --fixtures build/smoke/fixtures "$@"
fi
exec "$PY" train/pipeline.py --config full "$@"
