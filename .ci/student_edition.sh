#!/usr/bin/env bash
# CI step for the course: every week of both course plans works in the student edition a class
# has at the end of that week (the gradebook passes exactly the exercises due, the week's
# notebooks run to their end, the week's commands succeed), and each exercise, wrong alone
# (unwritten, or numerically wrong), fails its own tests and no other exercise's.
# (The full project, where every exercise is written, is the plain test run and the notebook
# step of .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The notebooks run in kernels: nbclient and ipykernel come with the notebooks extra.
python3 -c 'import nbclient, ipykernel' 2>/dev/null || python3 -m pip install --quiet -e '.[test,notebooks]'

python3 -m course simulate --skip-complete  # the full project: .ci/run's test and notebook steps
python3 -m course isolation --jobs 2
