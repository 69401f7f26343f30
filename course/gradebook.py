"""The gradebook: which exercises pass, with the plan's points; a table, JSON, CSV, Gradescope's results.json.

    python -m course grade [--plan NAME] [--gradescope FILE] [--json FILE] [--csv FILE] [--no-notebooks]

Run inside a student edition (or the full project). The library exercises are graded by the
tests marked exercise(N) in the files course/exercises.py names (a subprocess of pytest, so
that the project graded is the one in this folder); the notebooks' code exercises by
running each notebook of the plan in a fresh kernel and reading its check cells. An
exercise earns its points when all its tests (its check cell) pass, nothing otherwise.
Prints one row per exercise; exit status 0 when every one passes, 1 otherwise.
"""

import argparse
import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from course.edition import read_record
from course.exercises import EXERCISES
from course.plan import DEFAULT_PLAN, load_plan
from numerics.files import write_text

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("number", "title", "status", "points", "max_points", "tests_passed", "tests_failed", "detail")
UNWRITTEN = "not written yet"


def run_library_tests(root, exercises, python=sys.executable, plugins=(), env=None):
    """Run the tests that grade `exercises` in the project at root, in a subprocess.

    Returns {"graded": {test id: [numbers]}, "outcomes": {test id: [outcome, message]},
    "collection_errors": [...]}. Plugins installed in the environment are not loaded (the
    course's own come from tests/conftest.py): grading needs none and they cost seconds.
    plugins: more plugin modules to load (-p); env: more environment variables.
    """
    root = Path(root)
    files = sorted({path for exercise in exercises for path in exercise.tests if (root / path).exists()})
    if not files:
        return {"graded": {}, "outcomes": {}, "collection_errors": []}
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "outcomes.json"
        env = {**os.environ, "COURSE_OUTCOMES": str(record), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
               "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
        extra = [argument for plugin in plugins for argument in ("-p", plugin)]
        command = [python, "-m", "pytest", *files, "-m", "exercise", "-p", "course.outcomes", *extra,
                   "-p", "no:cacheprovider", "-o", "addopts=", "-q", "--rootdir", str(root),
                   "--continue-on-collection-errors"]
        run = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
        if not record.exists():
            raise RuntimeError(f"pytest stopped before any test ran (status {run.returncode}):\n"
                               f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        return json.loads(record.read_text())


def library_rows(results, exercises, plan):
    """One row per exercise from run_library_tests' results; points from the plan."""
    errors = results["collection_errors"]
    no_test = f"no test ran ({errors[0]})" if errors else "no test ran"
    rows = []
    for exercise in exercises:
        outcomes = [results["outcomes"][test] for test, numbers in results["graded"].items()
                    if exercise.number in numbers and test in results["outcomes"]]
        passed = sum(outcome == "passed" for outcome, _ in outcomes)
        failures = [message for outcome, message in outcomes if outcome == "failed"]
        status = "passed" if passed and not failures else "failed"
        detail = failures[0] if failures else ("" if passed else no_test)
        points = plan.points(exercise.number)
        rows.append(dict(zip(COLUMNS, (str(exercise.number), exercise.title, status,
                                       points if status == "passed" else 0, points, passed, len(failures),
                                       detail))))
    return rows


def notebook_rows(runs, plan):
    """One row per notebook code exercise, from course.notebook_runs.run_notebook's results."""
    rows = []
    for run in runs:
        for exercise_id, (status, detail) in run.exercises.items():
            if detail.startswith(f"NotImplementedError: Exercise {exercise_id} ("):
                detail = UNWRITTEN
            points = plan.notebook_exercise_points
            rows.append(dict(zip(COLUMNS, (exercise_id, run.titles[exercise_id], status,
                                           points if status == "passed" else 0, points,
                                           int(status == "passed"), int(status != "passed"), detail))))
    return rows


def plan_notebooks(plan, root):
    return [notebook for week in plan.weeks for notebook in week.notebooks
            if (Path(root) / notebook).exists()]


def graded_work(plan, record, root, exercises):
    """(the exercises, the notebooks) the gradebook grades in the edition at root.

    All of the plan's, except in an edition of a course that stops at a week (`python -m course
    edition --through-week W`, record["blank_through_week"]): there only the exercises due in
    weeks 1 .. W and those weeks' notebooks are the class's work; the later ones come written.
    """
    notebooks = plan_notebooks(plan, root)
    if "blank_through_week" not in record:
        return list(exercises), notebooks
    week = record["blank_through_week"]
    due, taught = plan.due_through(week), set(plan.notebooks_through(week))
    return ([exercise for exercise in exercises if exercise.number in due],
            [notebook for notebook in notebooks if notebook in taught])


def grade(root=PROJECT_ROOT, plan=None, notebooks=None, exercises=None):
    """Every row of the gradebook of the project at root. notebooks: the notebook paths whose
    code exercises to grade (default: all of the plan's; [] for none)."""
    from course.notebook_runs import run_notebook

    record = read_record(root)
    plan = plan or load_plan(record.get("plan", DEFAULT_PLAN))
    exercises, default_notebooks = graded_work(plan, record, root,
                                               EXERCISES if exercises is None else exercises)
    ordered = sorted(exercises, key=lambda exercise: (plan.due_week(exercise.number), exercise.number))
    rows = library_rows(run_library_tests(root, ordered), ordered, plan)
    notebooks = default_notebooks if notebooks is None else notebooks
    rows += notebook_rows([run_notebook(Path(root) / notebook, root) for notebook in notebooks], plan)
    return rows


def format_table(rows):
    """The rows as an aligned text table: number, exercise, status, points, tests, first failure."""
    lines = [("#", "exercise", "status", "points", "tests", "first failure")]
    for row in rows:
        tests = f"{row['tests_passed']}/{row['tests_passed'] + row['tests_failed']}"
        points = f"{row['points']}/{row['max_points']}"
        lines.append((row["number"], row["title"], row["status"], points, tests, row["detail"]))
    widths = [max(len(line[column]) for line in lines) for column in range(5)]

    def aligned(line):
        cells = [line[0].rjust(widths[0]), *(cell.ljust(width) for cell, width in zip(line[1:5], widths[1:]))]
        return "  ".join([*cells, line[5]]).rstrip()

    total = sum(row["points"] for row in rows)
    most = sum(row["max_points"] for row in rows)
    return "\n".join([*(aligned(line) for line in lines), f"total: {total}/{most} points"])


def gradescope_results(rows):
    """Gradescope's results.json: the total score and one test entry per exercise."""
    tests = [{"name": f"{'exercise' if row['number'].isdigit() else 'notebook exercise'} {row['number']} "
                      f"({row['title']})",
              "number": row["number"], "score": row["points"], "max_score": row["max_points"],
              "output": row["detail"] or "passed", "visibility": "visible"} for row in rows]
    return {"score": sum(row["points"] for row in rows), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def write_json(data, path):
    write_text(path, json.dumps(data, indent=2) + "\n")  # atomic, as every file the course writes


def write_csv(rows, path):
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, text.getvalue())


# What grading runs: the tests (the test extra), and for the notebooks' check cells a kernel.
TEST_TOOLS = ("pytest", "hypothesis")
NOTEBOOK_TOOLS = ("nbclient", "nbformat", "ipykernel")


def missing_tools(notebooks=True, find=importlib.util.find_spec):
    """What this environment lacks to grade, as one line with the command that installs it, or None."""
    wanted = TEST_TOOLS + (NOTEBOOK_TOOLS if notebooks else ())
    missing = [name for name in wanted if find(name) is None]
    if not missing:
        return None
    extras = "test,notebooks" if notebooks else "test"
    return f"grading needs {', '.join(missing)}, not installed here: pip install -e '.[{extras}]'"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course grade", description=__doc__.split("\n")[0])
    parser.add_argument("--plan", help="the plan whose points count (default: the edition's, or 6w)")
    parser.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json to FILE")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument("--csv", metavar="FILE", help="also write the rows as CSV to FILE")
    parser.add_argument("--no-notebooks", action="store_true", help="grade the library exercises only")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    missing = missing_tools(notebooks=not args.no_notebooks)
    if missing:
        sys.exit(f"python -m course grade: {missing}")
    plan = load_plan(args.plan or read_record(args.root).get("plan", DEFAULT_PLAN))
    print("running the exercise tests" + ("" if args.no_notebooks else " and the notebooks") + "...",
          file=sys.stderr, flush=True)
    rows = grade(args.root, plan, [] if args.no_notebooks else None)
    print(format_table(rows))
    if args.json:
        write_json(rows, args.json)
    if args.csv:
        write_csv(rows, args.csv)
    if args.gradescope:
        write_json(gradescope_results(rows), args.gradescope)
    return 0 if all(row["status"] == "passed" for row in rows) else 1
