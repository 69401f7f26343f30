#!/usr/bin/env bash
# CI step for the local web page (python -m captioner serve): the JSON API's tests, and the page
# driven in headless Chromium with the network off (an upload, a drawn scene, attention on hover,
# bad uploads, nothing loaded from elsewhere). The screenshot it keeps,
# book/_build/screenshots/web_page.png, is a CI artifact beside the book's.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
python3 -m pip install --quiet -e '.[test,book]'  # the book extra brings selenium

# WEB_TESTS=required turns the browser tests' "no browser" skips into failures.
WEB_TESTS=required python3 -m pytest tests/web -p no:cacheprovider

# The drawn-scenes measurement still runs (a few scenes; README's figure uses the full default).
PYTHONPATH=. python3 benchmarks/drawn_scenes.py --positions 1 --layouts 6
