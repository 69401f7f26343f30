#!/usr/bin/env bash
# CI step for the notebooks: their outputs must be stripped in git, and every one must run top
# to bottom in a fresh kernel without an error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip install --quiet -e '.[test,notebooks]'

# --verify changes nothing and fails if any notebook still holds outputs or execution counts.
python3 -m nbstripout --verify notebooks/*.ipynb \
  || { echo "notebooks hold outputs: run 'nbstripout notebooks/*.ipynb' before committing"; exit 1; }

python3 -m pytest --nbmake --nbmake-timeout=300 -p no:cacheprovider -q --durations=0 notebooks/
