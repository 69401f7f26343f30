#!/usr/bin/env bash
# CI step for the book: build it with warnings as errors, check its internal links offline,
# and open a chapter in headless Chromium (math rendered, figures shown, no console errors).
# The screenshot it keeps, book/_build/screenshots/forget_gate.png, is the CI artifact.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
python3 -m pip install --quiet -e '.[book]'

# -n: every cross-reference must resolve; -W --keep-going: any warning fails the build, all reported.
python3 -m sphinx -W --keep-going -n -b html book book/_build/html

# The links, the no-network check and the browser test; BOOK_TESTS=required turns their
# "book not built / no browser" skips into failures.
BOOK_TESTS=required python3 -m pytest tests/book -p no:cacheprovider
