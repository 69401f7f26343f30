"""CI's weekly simulation: every week of a plan works in the edition a class has at its end.

    python -m course simulate [--plan NAME] [--week W] [--keep DIR]

For each week W of each plan (default: every plan, every week) it writes the edition with the
exercises due through week W written and the rest blank (python -m course edition
--through-week W), then, inside it:
1. the gradebook passes exactly the exercises due through week W;
2. every notebook of week W runs top to bottom in a fresh kernel, its code exercises pass;
3. the commands the plan gives for week W exit with status 0.
Notebooks of earlier weeks are not run again: an edition of week W differs from that of week
W-1 only in more bodies written, each the full project's own, and the full project runs every
notebook (CI's notebook step), so writing more exercises cannot break an earlier notebook.
Prints one line per check; exit status 1 when any fails.
"""

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course.edition import build_for_week
from course.exercises import active_exercises
from course.gradebook import library_rows, run_library_tests
from course.notebook_runs import run_notebook
from course.notebooks import PENDING_NOTEBOOKS
from course.plan import PROJECT_ROOT, load_plan, plan_names, plan_problems

COMMAND_TIMEOUT = 600


def check_week(plan, week, edition):
    """Problems of one week's edition at `edition` (already written); [] when the week works."""
    problems = []
    due = plan.due_through(week.week)
    exercises = active_exercises()
    for row in library_rows(run_library_tests(edition, exercises), exercises, plan):
        expected = "passed" if int(row["number"]) in due else "failed"
        if row["status"] != expected:
            problems.append(f"exercise {row['number']} ({row['title']}) {row['status']}, expected "
                            f"{expected}: {row['detail'] or 'all its tests passed'}")
    for notebook in week.notebooks:
        if notebook in PENDING_NOTEBOOKS and not (edition / notebook).exists():
            continue
        started = time.perf_counter()
        run = run_notebook(edition / notebook, edition)
        print(f"    {notebook}: {len(run.errors)} errors, {time.perf_counter() - started:.0f} s", flush=True)
        problems += [f"{notebook}, cell {index}: {name}: {message}" for index, name, message in run.errors]
        problems += [f"{notebook}: exercise {exercise_id} {status}: {detail}"
                     for exercise_id, (status, detail) in run.exercises.items() if status != "passed"]
    env = {**os.environ, "PYTHONPATH": str(edition), "MPLBACKEND": "Agg"}
    for command in week.commands:
        with tempfile.TemporaryDirectory() as scratch:  # a command may write (runs/): not into the edition
            run = subprocess.run([sys.executable, *shlex.split(command)[1:]], cwd=scratch, env=env,
                                 capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        if run.returncode != 0:
            problems.append(f"`{command}` exited with {run.returncode}: {(run.stderr or run.stdout)[-500:]}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course simulate", description=__doc__.split("\n")[0])
    parser.add_argument("--plan", action="append", choices=plan_names(), help="a plan (default: every one)")
    parser.add_argument("--week", type=int, action="append", help="a week (default: every one)")
    parser.add_argument("--keep", type=Path, help="write the editions under this folder and keep them")
    args = parser.parse_args(argv)
    failures = checks = 0
    for name in args.plan or plan_names():
        plan = load_plan(name)
        problems = plan_problems(plan)
        checks += 1
        print(f"plan {name}: " + ("consistent" if not problems else "INCONSISTENT"), flush=True)
        failures += bool(problems)
        for problem in problems:
            print(f"    {problem}")
        for week in plan.weeks:
            if args.week and week.week not in args.week:
                continue
            with tempfile.TemporaryDirectory() as scratch:
                edition = (args.keep or Path(scratch)) / f"{name}-week{week.week}"
                started = time.perf_counter()
                build_for_week(edition, plan, week.week, PROJECT_ROOT)
                print(f"plan {name}, week {week.week}: edition written, checking...", flush=True)
                problems = check_week(plan, week, edition)
                checks += 1
                failures += bool(problems)
                status = "works" if not problems else "FAILED"
                seconds = time.perf_counter() - started
                print(f"plan {name}, week {week.week}: {status} ({seconds:.0f} s)", flush=True)
                for problem in problems:
                    print(f"    {problem}")
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0
