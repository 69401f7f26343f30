#!/usr/bin/env bash
# CI step for the device path without a GPU: the programs run on the strict backend
# (numerics.strict, a CPU stand-in for CuPy that refuses implicit copies to the host), so
# NumPy-only code on their way fails here as it would on a GPU. The test suite needs no step
# of its own: every test that takes `xp` runs on strict in the plain test run (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -c 'import captioner' 2>/dev/null || python3 -m pip install --quiet -e '.[test]'

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export CAPTIONER_BACKEND=strict
python3 -m captioner demo --quick --quiet --out "$out"
python3 -m lstm demo --steps 50 --gap 5 --cell all
