#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, which CI's machines do not have: the suite's CuPy runs, the
# notebooks (with NumPy as the default backend, where notebook 14 times the GPU, then with CuPy as
# the default), the two demos with CuPy, and the speed benchmarks on CuPy beside PyTorch CUDA.
#
#     pip install -e '.[test,notebooks,benchmarks,gpu]'   # gpu-cuda13 for a CUDA 13 driver
#     bash .ci/gpu.sh [LOG_FOLDER [STEP...]]
#
# STEP names the steps to run (tests, notebooks, notebooks_on_cupy, lstm_speed, gru_speed,
# resnet50_speed, lstm_demo, captioner_demo_quick, captioner_demo); without, all of them run. Each step writes its whole output to LOG_FOLDER/STEP.log (default: a new temporary folder) and
# prints its time and last lines; a failed step does not stop the others, and the exit status
# says whether every step passed. Figures from a run are in README ("On a GPU").
set -uo pipefail
cd "$(dirname "$0")/.."
logs="${1:-$(mktemp -d)}"
chosen=" ${*:2} "
mkdir -p "$logs"
echo "logs in $logs"

python3 - <<'CHECK' || exit 1
import sys

import numerics

try:
    numerics.backend.module_named("cupy")
except ImportError as reason:
    sys.exit(f".ci/gpu.sh needs an NVIDIA GPU and CuPy: {reason}")
CHECK
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import cupy, numpy; print("CuPy", cupy.__version__, "| NumPy", numpy.__version__)'

# pytest-xdist, where installed, spreads the tests over 8 processes sharing the GPU.
workers=()
python3 -c 'import xdist' 2>/dev/null && workers=(-n 8)

failed=()
step() {  # step NAME COMMAND...: run COMMAND, logging to $logs/NAME.log
  local name=$1 started=$SECONDS
  shift
  [[ $chosen == "  " || $chosen == *" $name "* ]] || return 0
  echo "== $name: $*"
  if "$@" >"$logs/$name.log" 2>&1; then
    echo "   passed in $((SECONDS - started)) s"
  else
    echo "   FAILED (exit $?) in $((SECONDS - started)) s"
    failed+=("$name")
  fi
  tail -n 6 "$logs/$name.log" | sed 's/^/   | /'
}

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
step tests python3 -m pytest -q -p no:cacheprovider "${workers[@]}" -k cupy
step notebooks python3 -m pytest -q -p no:cacheprovider "${workers[@]}" --nbmake --nbmake-timeout=300 notebooks/
step notebooks_on_cupy env CAPTIONER_BACKEND=cupy \
  python3 -m pytest -q -p no:cacheprovider "${workers[@]}" --nbmake --nbmake-timeout=300 notebooks/
step lstm_speed python3 benchmarks/lstm_speed.py --backend cupy
step gru_speed python3 benchmarks/gru_speed.py --backend cupy
step resnet50_speed python3 benchmarks/resnet50_speed.py --backend cupy
step lstm_demo env CAPTIONER_BACKEND=cupy python3 -m lstm demo --steps 50 --gap 5 --cell all
step captioner_demo_quick env CAPTIONER_BACKEND=cupy python3 -m captioner demo --quick --quiet --out "$out/quick"
step captioner_demo env CAPTIONER_BACKEND=cupy python3 -m captioner demo --quiet --out "$out/demo"

if ((${#failed[@]})); then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all passed"
