#!/usr/bin/env bash
# CI step for the notebooks: their outputs must be stripped in git, and every one must run top to
# bottom in a fresh kernel, in a fresh virtual environment holding only what README's notebook
# command installs (pip install -e '.[notebooks]'), with NumPy and with the strict backend.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

workspace="$(mktemp -d)"
trap 'rm -rf "$workspace"' EXIT
python3 -m venv "$workspace/venv"
python="$workspace/venv/bin/python"
"$python" -m pip install --quiet -e '.[notebooks]'

# --verify changes nothing and fails if any notebook still holds outputs or execution counts.
"$python" -m nbstripout --verify notebooks/*.ipynb \
  || { echo "notebooks hold outputs: run 'nbstripout notebooks/*.ipynb' before committing"; exit 1; }

"$python" -m pytest --nbmake --nbmake-timeout=300 -p no:cacheprovider -q --durations=0 notebooks/

# Again on the strict stand-in for CuPy: a notebook that turns a device array into a NumPy one
# behind the student's back (numpy.concatenate of a model's output, say) would fail on a GPU.
CAPTIONER_BACKEND=strict "$python" -m pytest --nbmake --nbmake-timeout=300 -p no:cacheprovider -q notebooks/
