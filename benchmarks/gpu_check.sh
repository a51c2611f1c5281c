#!/usr/bin/env bash
# The prepared GPU check (issue 18), in one command on a GPU machine:
#   bash benchmarks/gpu_check.sh [--quick] [any option of python -m benchmarks.gpu_check]
# It installs minigrad (with CuPy for the driver's CUDA major version, where pip can reach an index;
# the device machines here already hold CuPy, NumPy, pytest and hypothesis and have no network),
# then runs python -m benchmarks.gpu_check. The MNIST files travel in .gpu-data/
# (made here by `python -m benchmarks.gpu_check --prepare-data`).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c "import cupy" 2>/dev/null; then
  major=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1 | cut -d. -f1)
  extra=cuda12; [ "${major:-0}" -ge 580 ] && extra=cuda13
  "$PY" -m pip install -q -e ".[dev,$extra]" || echo "gpu_check.sh: could not install .[dev,$extra]; running with what is here"
fi
# No index reachable: put the checkout itself on the path instead of installing it.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m benchmarks.gpu_check "$@"
