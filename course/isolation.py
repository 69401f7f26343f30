"""CI's isolation check: each exercise, wrong alone, fails its own tests and no other exercise's.

    python -m course isolation [EXERCISE ...] [--jobs 2]

For every exercise k (default: all present) and two plausible wrong answers, an unwritten
one (the edition's raise NotImplementedError) and a numerically wrong one (the project's own
body with every value it returns nudged by 1%), the tests that grade exercises run with only
k's bodies replaced: the gradebook must read failed for k and passed for every other.

The replacement happens as the modules are imported (WrongBodyFinder, loaded into pytest
with -p course.isolation and COURSE_WRONG=k:kind), so that no copy of the project is made.
"""

import argparse
import ast
import importlib.abc
import importlib.machinery
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.exercises import BY_NUMBER, EXERCISES
from course.markers import marked_bodies
from course.placeholder import exercise_message, raise_lines

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KINDS = ("unwritten", "wrong")
WRONG_IMPORT = "from course.isolation import numerically_wrong as _course_wrong"


def numerically_wrong(value):
    """value with every number in it off by about 1%: arrays, floats, ints, in tuples, lists, dicts."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 1.01 + 0.01
    if isinstance(value, tuple):
        return tuple(numerically_wrong(item) for item in value)
    if isinstance(value, list):
        return [numerically_wrong(item) for item in value]
    if isinstance(value, dict):
        return {key: numerically_wrong(item) for key, item in value.items()}
    dtype = getattr(value, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "") == "f":
        return value * 1.01 + 0.01
    if dtype is not None and getattr(dtype, "kind", "") in "iu":
        return value + 1
    return value


def wrong_source(text, path, number, kind):
    """A source file's text with exercise `number`'s bodies unwritten or numerically wrong."""
    lines = text.splitlines(keepends=True)
    bodies = [body for body in marked_bodies(text, path) if body.number == number]
    if kind == "unwritten":
        exercise = BY_NUMBER[number]
        for body in reversed(bodies):
            message = exercise_message(number, exercise.title, exercise.hint)
            lines[body.begin + 1 : body.end] = [line + "\n" for line in raise_lines(message, body.indent)]
        return "".join(lines)
    returns = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Return) and node.value
               and any(body.begin < node.lineno - 1 < body.end for body in bodies)]
    for node in sorted(returns, key=lambda node: (node.end_lineno, node.end_col_offset), reverse=True):
        value = node.value
        end = lines[value.end_lineno - 1]
        lines[value.end_lineno - 1] = end[: value.end_col_offset] + "))" + end[value.end_col_offset :]
        start = lines[value.lineno - 1]
        lines[value.lineno - 1] = start[: value.col_offset] + "_course_wrong((" + start[value.col_offset :]
    for body in reversed(bodies):
        lines.insert(body.begin + 1, f"{body.indent}{WRONG_IMPORT}\n")
    return "".join(lines)


class WrongBodyLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from its source with one exercise's bodies replaced (never from a .pyc)."""

    def __init__(self, fullname, path, relative, number, kind):
        super().__init__(fullname, path)
        self.relative, self.number, self.kind = relative, number, kind

    def get_code(self, fullname):
        text = Path(self.path).read_text(encoding="utf-8")
        return compile(wrong_source(text, self.relative, self.number, self.kind), self.path, "exec",
                       dont_inherit=True)


class WrongBodyFinder(importlib.abc.MetaPathFinder):
    """Finds modules as usual, and gives those holding exercise `number` a WrongBodyLoader."""

    def __init__(self, root, number, kind):
        self.root, self.number, self.kind = Path(root).resolve(), number, kind
        self.targets = {(self.root / path).resolve(): path for path in BY_NUMBER[number].paths}

    def find_spec(self, fullname, path, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or Path(spec.origin).resolve() not in self.targets:
            return None
        relative = self.targets[Path(spec.origin).resolve()]
        spec.loader = WrongBodyLoader(fullname, spec.origin, relative, self.number, self.kind)
        return spec


def pytest_configure(config):
    """As a pytest plugin (-p course.isolation): COURSE_WRONG=k:kind replaces k's bodies on import."""
    number, kind = os.environ["COURSE_WRONG"].split(":")
    sys.meta_path.insert(0, WrongBodyFinder(config.rootpath, int(number), kind))


def check_one(number, kind, root=PROJECT_ROOT):
    """Problems (lines) when exercise `number` alone is wrong in the way `kind` says; [] when isolated."""
    from course.gradebook import library_rows, run_library_tests
    from course.plan import load_plan

    exercises = EXERCISES
    results = run_library_tests(root, exercises, plugins=("course.isolation",),
                                env={"COURSE_WRONG": f"{number}:{kind}"})
    rows = library_rows(results, exercises, load_plan())
    problems = []
    for row in rows:
        expected = "failed" if row["number"] == str(number) else "passed"
        if row["status"] != expected:
            problems.append(f"exercise {number} {kind}: exercise {row['number']} ({row['title']}) "
                            f"{row['status']}: {row['detail'] or 'all its tests passed'}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course isolation", description=__doc__.split("\n")[0])
    parser.add_argument("exercises", nargs="*", type=int, help="exercise numbers (default: all present)")
    parser.add_argument("--jobs", type=int, default=2, help="checks run at once (default: %(default)s)")
    args = parser.parse_args(argv)
    numbers = args.exercises or [exercise.number for exercise in EXERCISES]
    cases = [(number, kind) for number in numbers for kind in KINDS]
    with ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(lambda case: (case, check_one(*case)), cases))
    failures = 0
    for (number, kind), problems in outcomes:
        verdict = "isolated" if not problems else "NOT ISOLATED"
        print(f"exercise {number:2d} {kind:9s}: {verdict}", flush=True)
        for problem in problems:
            print(f"    {problem}")
        failures += bool(problems)
    print(f"{len(cases) - failures} passed, {failures} failed")
    return 1 if failures else 0
