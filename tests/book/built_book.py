"""Where the built book is, and how a book test gives up when it is missing.

The book is built by `sphinx-build -W --keep-going -n -b html book book/_build/html` (see
.ci/book.sh). Without a built book (or without a browser) the book tests are skipped, so a
plain `python -m pytest` passes on a machine that never built it; CI sets
BOOK_TESTS=required, which turns every such skip into a failure.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "book" / "_build" / "html"
SCREENSHOTS = ROOT / "book" / "_build" / "screenshots"


def unavailable(reason):
    """Skip the test, or fail it when CI requires the book tests to run."""
    if os.environ.get("BOOK_TESTS") == "required":
        pytest.fail(f"{reason} (BOOK_TESTS=required)")
    pytest.skip(reason)


def built_page(relative_path):
    """The path of a built page, or a skip (failure in CI) saying how to build it."""
    page = HTML / relative_path
    if not page.is_file():
        unavailable(f"the book is not built ({page} is missing): run "
                    "sphinx-build -W --keep-going -n -b html book book/_build/html")
    return page
