"""Gradescope's autograder bundle for the course.

    python -m course autograder OUT.zip [--plan NAME] [--no-notebooks]

Writes a zip with, at its root, what Gradescope's autograder specification asks for:
setup.sh (run once when Gradescope builds the image: a virtual environment with the
project's test and notebook extras) and run_autograder (run for every submission: it grades
/autograder/submission with python -m course grade-all --one and writes
/autograder/results/results.json), and beside them the student edition of this project with
every exercise blank (no answer key, no CI) in which grading happens. A submission is the
student's copy of the edition, whole or only the files they changed: only the exercise
bodies and the notebooks' solution cells are taken from it (see course.grade_all).
"""

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

from course.edition import PROJECT_ROOT, build_for_week
from course.plan import DEFAULT_PLAN, load_plan

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet -e '/autograder/source/project[test,notebooks]'
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission with the instructor's
# tests, write /autograder/results/results.json.
set -uo pipefail
mkdir -p /autograder/results
cd /autograder/source/project
/autograder/venv/bin/python -m course grade-all --one /autograder/submission{options} \\
    --gradescope /autograder/results/results.json
"""


def write_bundle(out_zip, plan, notebooks=True, root=PROJECT_ROOT):
    """Write the autograder zip. Returns the number of files in it."""
    options = f" --plan {plan.name}" + ("" if notebooks else " --no-notebooks")
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        build_for_week(project, plan, None, root)
        files = sorted(path for path in project.rglob("*") if path.is_file())
        with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN.format(options=options))):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16  # executable, as Gradescope runs them directly
                bundle.writestr(info, text)
            for path in files:
                bundle.write(path, f"project/{path.relative_to(project).as_posix()}")
    return len(files) + 2


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course autograder", description=__doc__.split("\n")[0])
    parser.add_argument("out_zip", type=Path, help="the zip to write (upload it to Gradescope)")
    parser.add_argument("--plan", default=DEFAULT_PLAN, help="whose points count (default: %(default)s)")
    parser.add_argument("--no-notebooks", action="store_true", help="grade the library exercises only")
    args = parser.parse_args(argv)
    try:
        count = write_bundle(args.out_zip, load_plan(args.plan), not args.no_notebooks)
    except ValueError as error:
        sys.exit(f"course autograder: {error}")
    print(f"Wrote {args.out_zip}: setup.sh, run_autograder and the student edition ({count} files).")
    return 0
