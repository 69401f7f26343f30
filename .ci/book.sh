#!/usr/bin/env bash
# CI step for the book: README's book command in a fresh virtual environment holding only the
# book extra (so the build cannot lean on the test packages), with warnings as errors; then its
# internal links offline, and a chapter opened in headless Chromium (math rendered, figures
# shown, no console errors). The screenshot it keeps, book/_build/screenshots/forget_gate.png,
# is the CI artifact.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

workspace="$(mktemp -d)"
trap 'rm -rf "$workspace"' EXIT
python3 -m venv "$workspace/venv"
# README: pip install -e '.[book]' && sphinx-build -W --keep-going -n -b html book book/_build/html
# (-n: every cross-reference must resolve; -W --keep-going: any warning fails the build, all reported.)
"$workspace/venv/bin/python" -m pip install --quiet -e '.[book]'
PATH="$workspace/venv/bin:$PATH" sphinx-build -W --keep-going -n -b html book book/_build/html

# The links, the no-network check and the browser test; BOOK_TESTS=required turns their
# "book not built / no browser" skips into failures. (pytest and selenium: the test and book extras.)
python3 -m pip install --quiet -e '.[test,book]'
BOOK_TESTS=required python3 -m pytest tests/book -p no:cacheprovider
