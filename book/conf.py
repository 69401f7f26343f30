"""Sphinx configuration of the book.

Build (from the repository root):  sphinx-build -W --keep-going -n -b html book book/_build/html

Every figure is drawn by book/make_figures.py from the project's own functions when the
build starts, into book/figures/ (git-ignored); MathJax is bundled (sphinx-mathjax-offline),
so neither the build nor the built pages need a network.
"""

import os
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
sys.path[:0] = [str(BOOK), str(BOOK.parent)]  # make_figures, and the project's packages

import figures_course  # noqa: E402  (needs the path above)
import make_figures  # noqa: E402

project = "Captioner from scratch"
author = "the captioner-from-scratch authors"
copyright = "2026, " + author

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # chapters are text; their figures come from make_figures
exclude_patterns = ["_build", "figures"]

# The MathJax 3 files that sphinx-mathjax-offline copies into _static/mathjax/.
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "Captioner from scratch"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
# A fresh browser has no stored colour mode: name one, or the theme logs a console error.
html_context = {"default_mode": "light"}


def draw_figures(app):
    make_figures.main(BOOK / "figures", reuse=os.environ.get("BOOK_REUSE_FIGURES") == "1")
    # The syllabus and the instructors' tables, from the course plan: cheap, so written every build.
    figures_course.write_course_pages(BOOK / "figures", BOOK.parent)


def setup(app):
    app.connect("builder-inited", draw_figures)
