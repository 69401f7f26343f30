"""CI's weekly simulation: every week of a plan works in the edition a class has at its end.

    python -m course simulate [--plan NAME] [--week W] [--keep DIR]

For each week W of each plan (default: every plan, every week) it writes the edition with the
exercises due through week W written and the rest blank (python -m course edition
--written-through W), then, inside it (an edition shared by weeks of several plans is checked once,
for all of them):
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.edition import build_for_week
from course.exercises import EXERCISES
from course.gradebook import library_rows, run_library_tests
from course.notebook_runs import run_notebook
from course.plan import PROJECT_ROOT, load_plan, plan_names, plan_problems

COMMAND_TIMEOUT = 600


def check_edition(plan, due, notebooks, commands, edition, jobs=2):
    """Problems of one edition at `edition` (already written); [] when it works.

    due: the exercises written in it; notebooks, commands: those to run in it.
    """
    problems = []
    exercises = EXERCISES
    for row in library_rows(run_library_tests(edition, exercises), exercises, plan):
        expected = "passed" if int(row["number"]) in due else "failed"
        if row["status"] != expected:
            problems.append(f"exercise {row['number']} ({row['title']}) {row['status']}, expected "
                            f"{expected}: {row['detail'] or 'all its tests passed'}")

    def run(notebook):
        started = time.perf_counter()
        result = run_notebook(edition / notebook, edition)
        seconds = time.perf_counter() - started
        print(f"    {notebook}: {len(result.errors)} errors, {seconds:.0f} s", flush=True)
        return notebook, result

    with ThreadPoolExecutor(jobs) as pool:  # each notebook runs in a kernel process of its own
        for notebook, result in pool.map(run, notebooks):
            problems += [f"{notebook}, cell {index}: {name}: {message}"
                         for index, name, message in result.errors]
            problems += [f"{notebook}: exercise {exercise_id} {status}: {detail}"
                         for exercise_id, (status, detail) in result.exercises.items() if status != "passed"]
    env = {**os.environ, "PYTHONPATH": str(edition), "MPLBACKEND": "Agg"}
    for command in commands:
        with tempfile.TemporaryDirectory() as scratch:  # a command may write (runs/): not into the edition
            started = time.perf_counter()
            result = subprocess.run([sys.executable, *shlex.split(command)[1:]], cwd=scratch, env=env,
                                    capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
        seconds = time.perf_counter() - started
        print(f"    `{command}`: status {result.returncode}, {seconds:.0f} s", flush=True)
        if result.returncode != 0:
            output = (result.stderr or result.stdout)[-500:]
            problems.append(f"`{command}` exited with {result.returncode}: {output}")
    return problems


def editions_to_check(plans, weeks=None):
    """The distinct editions of the plans' weeks, each with what to run in it.

    Two weeks (of one plan or two) whose editions have the same exercises written and the same
    notebooks solved have the same edition: it is written and checked once, running the
    notebooks and commands of both weeks. Returns [(plan, week number, due, [(plan name, week)],
    notebooks, commands)], the first plan and week naming the edition.
    """
    groups = {}
    for plan in plans:
        for week in plan.weeks:
            if weeks and week.week not in weeks:
                continue
            due = frozenset(plan.due_through(week.week))
            key = (due, frozenset(plan.notebooks_through(week.week)))
            group = groups.setdefault(key, (plan, week.week, due, [], {}, {}))
            group[3].append((plan.name, week.week))
            group[4].update(dict.fromkeys(week.notebooks))
            group[5].update(dict.fromkeys(week.commands))
    return [(plan, week, due, members, list(notebooks), list(commands))
            for plan, week, due, members, notebooks, commands in groups.values()]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course simulate", description=__doc__.split("\n")[0])
    parser.add_argument("--plan", action="append", choices=plan_names(), help="a plan (default: every one)")
    parser.add_argument("--week", type=int, action="append", help="a week (default: every one)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default: %(default)s)")
    parser.add_argument("--keep", type=Path, help="write the editions under this folder and keep them")
    parser.add_argument("--skip-complete", action="store_true",
                        help="in the edition with everything written (the full project's own files) check "
                             "the gradebook only: CI runs the full project's notebooks and commands")
    args = parser.parse_args(argv)
    complete = {exercise.number for exercise in EXERCISES}
    plans = [load_plan(name) for name in args.plan or plan_names()]
    failures = checks = 0
    for plan in plans:
        problems = plan_problems(plan)
        checks += 1
        failures += bool(problems)
        print(f"plan {plan.name}: " + ("consistent" if not problems else "INCONSISTENT"), flush=True)
        for problem in problems:
            print(f"    {problem}")
    for plan, week, due, members, notebooks, commands in editions_to_check(plans, args.week):
        weeks = ", ".join(f"plan {name} week {number}" for name, number in members)
        with tempfile.TemporaryDirectory() as scratch:
            edition = (args.keep or Path(scratch)) / f"{plan.name}-week{week}"
            started = time.perf_counter()
            build_for_week(edition, plan, week, PROJECT_ROOT)
            if args.skip_complete and complete <= due and set(plan.notebooks_through(week)) >= set(
                    notebook for other in plan.weeks for notebook in other.notebooks):
                print(f"edition of {weeks}: every exercise written, as in the full project: gradebook only",
                      flush=True)
                notebooks, commands = [], []
            print(f"edition of {weeks}: {len(due)} exercises written; checking...", flush=True)
            problems = check_edition(plan, due, notebooks, commands, edition, args.jobs)
        checks += 1
        failures += bool(problems)
        seconds = time.perf_counter() - started
        verdict = "works" if not problems else "FAILED"
        print(f"edition of {weeks}: {verdict} ({seconds:.0f} s)", flush=True)
        for problem in problems:
            print(f"    {problem}")
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0
