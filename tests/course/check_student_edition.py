"""CI's checks of a student edition, run from inside it (see .ci/student_edition.sh).

    python -m tests.course.check_student_edition [NOTEBOOK ...]

1. the packages are imported from this folder, not from an installed instructor's copy;
2. the test suite fails in exactly the tests marked exercise(N) or needs_exercises(...);
3. the gradebook reads "failed" for every exercise, each with a failing test of its own;
4. every notebook (or each NOTEBOOK given) runs until an unwritten exercise stops it with
   NotImplementedError("Exercise ..."); one without solution cells may also run to its end.
Each check prints what it found; the first that fails ends the run with status 1.
"""

import argparse
import importlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.course.marks import UNWRITTEN, course_exercises
from tests.course.notebook_solutions import solution_cells

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("numerics", "lstm", "resnet", "captioner", "tests")
NOTEBOOK_EXERCISE = re.compile(r"^Exercise \d+\.\d+ \(")


class CheckError(Exception):
    """A check that did not hold; the message says what was found."""


def check_imports():
    for name in PACKAGES:
        path = Path(importlib.import_module(name).__file__).resolve()
        if ROOT not in path.parents:
            raise CheckError(f"{name} is imported from {path}, outside {ROOT}: set PYTHONPATH to the edition")
    return f"{', '.join(PACKAGES)} are imported from {ROOT}"


class SuiteOutcomes:
    """A pytest plugin: which tests carry a course marker, which ran, which failed."""

    def __init__(self):
        self.marked, self.ran, self.failed = set(), set(), set()

    def pytest_collection_modifyitems(self, items):
        self.marked = {item.nodeid for item in items if any(course_exercises(item))}

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.add(report.nodeid)
        if report.failed or (report.when == "call" and not report.skipped):
            self.ran.add(report.nodeid)


def check_failures_are_the_exercise_tests():
    outcomes = SuiteOutcomes()
    status = pytest.main([str(ROOT / "tests"), "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT)],
                         plugins=[outcomes])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise CheckError(f"pytest stopped: {status!r}")
    expected = outcomes.marked & outcomes.ran  # on a machine without a GPU the CuPy runs are skipped
    if not expected:
        raise CheckError("no test carries an exercise marker")
    unmarked, passing = sorted(outcomes.failed - expected), sorted(expected - outcomes.failed)
    if unmarked or passing:
        lines = [f"failed without an exercise marker: {test}" for test in unmarked]
        lines += [f"passed although it carries an exercise marker: {test}" for test in passing]
        raise CheckError("\n".join(lines))
    return f"the {len(outcomes.failed)} failing tests are exactly the tests marked as needing an exercise"


def check_gradebook_all_failed():
    with tempfile.TemporaryDirectory() as folder:
        grades = Path(folder) / "grades.json"
        run = subprocess.run([sys.executable, "-m", "tests.course.gradebook", "--json", str(grades)],
                             cwd=ROOT, capture_output=True, text=True, check=False)
        print(run.stdout)
        if run.returncode != 1 or not grades.exists():
            raise CheckError(f"the gradebook ended with status {run.returncode}, not 1:\n{run.stderr}")
        rows = json.loads(grades.read_text())
    wrong = [row for row in rows if row["status"] != "failed" or row["tests_failed"] == 0]
    if wrong:
        raise CheckError(f"exercises that should read failed, with a failing test: {wrong}")
    return f"the gradebook reads failed for all {len(rows)} exercises"


def run_until_an_exercise(path):
    """Run a notebook in a fresh kernel, from its own folder.

    Returns the first line of the NotImplementedError of the unwritten exercise that
    stopped it, or None when it ran to its end. Raises CheckError for any other error.
    """
    import nbclient  # from the notebooks extra, which only this check needs
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    folder = {"metadata": {"path": str(path.parent)}}
    client = nbclient.NotebookClient(notebook, timeout=300, resources=folder)
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        unwritten = UNWRITTEN.match(error.evalue) or NOTEBOOK_EXERCISE.match(error.evalue)
        if error.ename != "NotImplementedError" or not unwritten:
            raise CheckError(f"{path.name} stopped with {error.ename}: {error.evalue}") from error
        return error.evalue.splitlines()[0]
    return None


def check_notebooks(paths):
    """Each notebook stops at an unwritten exercise; one without solution cells may also run to its end."""
    found = []
    for path in paths:
        stopped = run_until_an_exercise(path)
        if stopped is None and solution_cells(json.loads(path.read_text(encoding="utf-8")), path):
            raise CheckError(f"{path.name} ran to its end: its solution cells were not cleared")
        found.append(f"{path.name}: " + (f"stops at {stopped}" if stopped else "runs to its end"))
    return "\n".join(["every notebook stops at its first unwritten exercise", *found])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.course.check_student_edition",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="the notebooks to run (default: all)")
    args = parser.parse_args(argv)
    notebooks = [path.resolve() for path in args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))]
    checks = [
        ("imports", check_imports),
        ("failing tests", check_failures_are_the_exercise_tests),
        ("gradebook", check_gradebook_all_failed),
        ("notebooks", lambda: check_notebooks(notebooks)),
    ]
    for name, check in checks:
        try:
            print(f"student edition, {name}: {check()}", flush=True)
        except CheckError as failure:
            print(f"student edition, {name}: FAILED\n{failure}", flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
