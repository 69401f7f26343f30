#!/usr/bin/env bash
# CI: build the course's student edition from this checkout and check that it behaves as
# README says: exactly the exercise tests fail, the gradebook reads "failed" for every
# exercise, a notebook stops at its first unwritten exercise. (The instructor's edition, this
# checkout, passes everything: that is the plain test run of .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The notebook check runs a kernel: nbclient and ipykernel come with the notebooks extra.
python3 -c 'import nbclient, ipykernel' 2>/dev/null || python3 -m pip install --quiet -e '.[test,notebooks]'

workspace="$(mktemp -d)"
trap 'rm -rf "$workspace"' EXIT
student="$workspace/student"
python3 -m tests.course.student_edition "$student"

# Run inside the edition, and import its code rather than the editable install of this checkout.
cd "$student"
export PYTHONPATH="$student"
python3 -c 'import lstm; print("lstm is imported from", lstm.__file__)'
python3 -m tests.course.check_student_edition
