"""The gradebook: which course exercises pass, as a table, and as JSON or CSV for a spreadsheet.

    python -m tests.course.gradebook [--json FILE] [--csv FILE]

Runs the tests that grade an exercise (marked exercise(N)) of the project this file belongs
to and prints one row per exercise: its number, title, passed or failed, how many of its
tests passed, and the first failure in one line. Exit status 0 when every exercise passes,
1 otherwise.
"""

import argparse
import contextlib
import csv
import io
import json
import sys
from pathlib import Path

import pytest

from tests.course.exercises import EXERCISES
from tests.course.marks import course_exercises

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ("number", "title", "status", "tests_passed", "tests_failed", "detail")


class TestOutcomes:
    """A pytest plugin that keeps, per test, the exercises it grades and how it ended."""

    def __init__(self):
        self.graded = {}  # node id -> exercise numbers
        self.outcomes = {}  # node id -> ("passed" | "failed" | "skipped", one-line message)
        self.collection_errors = []

    def pytest_collection_modifyitems(self, items):
        self.graded.update({item.nodeid: course_exercises(item)[0] for item in items})

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"cannot collect {report.nodeid}: {_first_line(report)}")

    def pytest_runtest_logreport(self, report):
        if self.outcomes.get(report.nodeid, ("",))[0] == "failed":
            return  # a teardown after a failure changes nothing
        if report.failed:
            message = dict(report.user_properties).get("course_message") or _first_line(report)
            self.outcomes[report.nodeid] = ("failed", message)
        elif report.skipped:
            self.outcomes[report.nodeid] = ("skipped", "")
        elif report.when == "call":
            self.outcomes[report.nodeid] = ("passed", "")


def _first_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return next(iter(text.strip().splitlines()), "")


def gradebook_rows(graded, outcomes, exercises=EXERCISES, no_test_detail="no test ran"):
    """One dict per exercise with the keys of COLUMNS.

    graded: {test id: exercise numbers}; outcomes: {test id: (outcome, message)}.
    An exercise passes when its tests ran and none failed; detail is its first failure.
    """
    rows = []
    for exercise in exercises:
        results = [outcomes[test] for test, numbers in graded.items() if exercise.number in numbers
                   and test in outcomes]
        passed = sum(outcome == "passed" for outcome, _ in results)
        failures = [message for outcome, message in results if outcome == "failed"]
        status = "passed" if passed and not failures else "failed"
        detail = failures[0] if failures else ("" if passed else no_test_detail)
        values = (exercise.number, exercise.title, status, passed, len(failures), detail)
        rows.append(dict(zip(COLUMNS, values)))
    return rows


def format_table(rows):
    """The rows as an aligned text table: number, exercise, status, tests passed, detail."""
    lines = [("#", "exercise", "status", "tests", "first failure")]
    for row in rows:
        tests = f"{row['tests_passed']}/{row['tests_passed'] + row['tests_failed']}"
        lines.append((str(row["number"]), row["title"], row["status"], tests, row["detail"]))
    widths = [max(len(line[column]) for line in lines) for column in range(4)]

    def aligned(line):
        cells = [line[0].rjust(widths[0]), *(cell.ljust(width) for cell, width in zip(line[1:4], widths[1:]))]
        return "  ".join([*cells, line[4]]).rstrip()

    return "\n".join(aligned(line) for line in lines)


def write_json(rows, path):
    Path(path).write_text(json.dumps(rows, indent=2) + "\n")


def write_csv(rows, path):
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def run_exercise_tests(root=PROJECT_ROOT):
    """Run the tests marked exercise(N) under root/tests. Returns the TestOutcomes.

    pytest's own report is kept back (the table says it shorter) unless pytest itself fails.
    """
    outcomes = TestOutcomes()
    arguments = [str(Path(root) / "tests"), "-m", "exercise", "-p", "no:cacheprovider",
                 "--continue-on-collection-errors", "--rootdir", str(root)]
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        status = pytest.main(arguments, plugins=[outcomes])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        sys.exit(f"{report.getvalue()}\ngradebook: pytest stopped ({status!r}); no table")
    return outcomes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.course.gradebook",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument("--csv", metavar="FILE", help="also write the rows as CSV to FILE")
    args = parser.parse_args(argv)
    print("running the exercise tests...", file=sys.stderr)
    outcomes = run_exercise_tests()
    errors = outcomes.collection_errors
    no_test_detail = f"no test ran ({errors[0]})" if errors else "no test ran"
    rows = gradebook_rows(outcomes.graded, outcomes.outcomes, no_test_detail=no_test_detail)
    print(format_table(rows))
    for error in outcomes.collection_errors:
        print(error, file=sys.stderr)
    if args.json:
        write_json(rows, args.json)
    if args.csv:
        write_csv(rows, args.csv)
    return 0 if all(row["status"] == "passed" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
