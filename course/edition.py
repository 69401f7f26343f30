"""Write a student edition: the project with the exercise bodies replaced by a raise.

    python -m course edition OUT_DIR [--plan NAME] [--through-week W | --written-through W]

Copies the project's files into OUT_DIR (which must be empty or not exist yet): the files
git knows of and the new ones it does not ignore, or without git every file outside what
.gitignore names, less what only instructors have (INSTRUCTORS_ONLY: the answer key, CI, the
tests' naive references).
Between the markers of each exercise (course/exercises.py) the body becomes
raise NotImplementedError("Exercise N (title): hint"), and each notebook's solution cells
are cleared (course/notebook_solutions.py). Which exercises are blank:

    (neither option)     every exercise, every notebook's solutions
    --through-week W     those due in weeks 1 .. W of the plan, and the solutions of those weeks'
                         notebooks; the later ones stay written (a course that stops at week W:
                         "exercises 1-12 only")
    --written-through W  those due after week W, and the later weeks' notebooks: the edition a
                         class has at the end of week W, which `python -m course simulate` checks

Every other file is copied byte for byte. course/edition.json records the plan and which
exercises are written, for the gradebook.
"""

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from course.exercises import EXERCISES
from course.markers import marker_problems, replace_bodies
from course.notebook_solutions import clear_solutions
from course.placeholder import exercise_message, raise_lines

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Never handed to students: the answer key, CI's scripts (they build the answers back in), and the
# naive references behind the tests' golden values (a reference forward pass answers an exercise).
INSTRUCTORS_ONLY = ("course/answers/", ".ci/", "tests/references/")
EDITION_RECORD = "course/edition.json"


def project_files(root):
    """The project's files under root, as sorted relative POSIX paths."""
    listed = _git_files(root)
    return sorted(listed if listed is not None else _walked_files(root))


def _git_files(root):
    """Tracked files and untracked ones git does not ignore; None without git or a repository."""
    try:
        result = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=root, capture_output=True, check=False)
    except FileNotFoundError:
        return None
    if result.returncode != 0:
        return None
    names = set(result.stdout.decode().split("\0")) - {""}
    return [name for name in names if (root / name).is_file()]  # a tracked file may be deleted


def _ignore_patterns(root):
    """(pattern, directories only, anchored) for each plain line of root/.gitignore (no '!')."""
    path = root / ".gitignore"
    lines = path.read_text().splitlines() if path.exists() else []
    patterns = [(".git", True, False)]
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            pattern = line.strip("/")
            patterns.append((pattern, line.endswith("/"), "/" in line.rstrip("/")))
    return patterns


def _ignored(relative, is_dir, patterns):
    name = relative.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatch(relative if anchored else name, pattern)
        for pattern, directories_only, anchored in patterns
        if is_dir or not directories_only
    )


def _walked_files(root):
    """Every file under root that the .gitignore at root does not name (git's fallback)."""
    patterns, found = _ignore_patterns(root), []
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        dirs[:] = [name for name in dirs if not _ignored(prefix + name, True, patterns)]
        found += [prefix + name for name in files if not _ignored(prefix + name, False, patterns)]
    return found


def student_source(text, path, exercises, written=frozenset()):
    """A source file's text with the bodies of its exercises replaced by a raise.

    exercises: those registered for this file; written: numbers whose bodies stay as they
    are. Raises ValueError when the markers do not match the exercises (markers.marker_problems).
    """
    problems = marker_problems(text, path, exercises)
    if problems:
        raise ValueError("; ".join(problems))
    by_number = {exercise.number: exercise for exercise in exercises}
    lines = text.splitlines()

    def placeholder(body):
        if body.number in written:
            return lines[body.begin + 1 : body.end]
        exercise = by_number[body.number]
        return raise_lines(exercise_message(exercise.number, exercise.title, exercise.hint), body.indent)

    return replace_bodies(text, placeholder, path)


def build(out_dir, root=PROJECT_ROOT, exercises=None, written=frozenset(), solved_notebooks=frozenset(),
          record=None):
    """Write the student edition of the project at root into out_dir.

    exercises: the registered exercises (default: all of course.exercises.EXERCISES);
    written: exercise numbers left written; solved_notebooks: notebook paths whose solution
    cells stay; record: a dict written to course/edition.json. Returns (number of files,
    exercise bodies replaced, notebook solution cells cleared).
    """
    exercises = EXERCISES if exercises is None else exercises
    out_dir, root = Path(out_dir), Path(root)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty: give a new or empty folder")
    files = [name for name in project_files(root) if not name.startswith(INSTRUCTORS_ONLY)
             and name != EDITION_RECORD]
    by_path = {}
    for exercise in exercises:
        for path in exercise.paths:
            by_path.setdefault(path, []).append(exercise)
    missing = sorted(set(by_path) - set(files))
    if missing:
        raise ValueError(f"exercise files not found in {root}: {', '.join(missing)}")
    cleared = 0
    for relative in files:
        source, target = root / relative, out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative in by_path:
            _write_like(source, target, student_source(_read(source), relative, by_path[relative], written))
        elif relative.endswith(".ipynb") and relative not in solved_notebooks:
            text, count = clear_solutions(_read(source), relative)
            _write_like(source, target, text)
            cleared += count
        else:
            shutil.copy2(source, target)
    if record is not None:
        (out_dir / EDITION_RECORD).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / EDITION_RECORD).write_text(json.dumps(record, indent=1) + "\n")
    blank = [exercise for exercise in exercises if exercise.number not in written]
    return len(files), len(blank), cleared


def build_for_week(out_dir, plan, week=None, root=PROJECT_ROOT):
    """The edition of plan at the end of `week`: the exercises due in weeks 1 .. week written, the
    rest blank (None: every exercise blank). Returns build()'s counts."""
    written = plan.due_through(week) if week else set()
    solved = set(plan.notebooks_through(week)) if week else set()
    record = {"plan": plan.name, "through_week": week or 0, "written": sorted(written)}
    return build(out_dir, root, written=written, solved_notebooks=solved, record=record)


def build_blank_through(out_dir, plan, week, root=PROJECT_ROOT):
    """The edition of a course that stops at `week`: the exercises due in weeks 1 .. week blank, and
    the solutions of those weeks' notebooks cleared; every later exercise and notebook written.
    Returns build()'s counts."""
    numbers = {exercise.number for exercise in EXERCISES}
    written = numbers - set(plan.due_through(week))
    taught = set(plan.notebooks_through(week))
    solved = {notebook for w in plan.weeks for notebook in w.notebooks} - taught
    record = {"plan": plan.name, "blank_through_week": week, "written": sorted(written)}
    return build(out_dir, root, written=written, solved_notebooks=solved, record=record)


def read_record(root=PROJECT_ROOT):
    """course/edition.json of an edition ({} in the full project)."""
    path = Path(root) / EDITION_RECORD
    return json.loads(path.read_text()) if path.exists() else {}


def _read(path):
    with open(path, encoding="utf-8", newline="") as file:  # newline="": keep \r\n as it is
        return file.read()


def _write_like(source, target, text):
    with open(target, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    shutil.copymode(source, target)


def main(argv=None):
    from course.plan import DEFAULT_PLAN, load_plan

    parser = argparse.ArgumentParser(prog="python -m course edition", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", help="folder to write the student edition into (new or empty)")
    parser.add_argument("--plan", default=DEFAULT_PLAN, help="the course plan (default: %(default)s)")
    weeks = parser.add_mutually_exclusive_group()
    weeks.add_argument("--through-week", type=int, metavar="W",
                       help="blank only the exercises due in weeks 1 .. W; the later ones stay written")
    weeks.add_argument("--written-through", type=int, metavar="W",
                       help="leave written the exercises due in weeks 1 .. W (a class at the end of week W)")
    args = parser.parse_args(argv)
    week = args.through_week if args.through_week is not None else args.written_through
    try:
        plan = load_plan(args.plan)
        if week is not None and not 0 <= week <= len(plan.weeks):
            option = "--through-week" if args.through_week is not None else "--written-through"
            raise ValueError(f"{option} must be 0 .. {len(plan.weeks)} for plan {plan.name}, got {week}")
        if args.through_week is not None:
            files, replaced, cleared = build_blank_through(args.out_dir, plan, week)
            state = f"blank through week {week}, the rest written"
        else:
            files, replaced, cleared = build_for_week(args.out_dir, plan, week)
            state = f"written through week {week or 0}"
    except ValueError as error:
        sys.exit(f"course edition: {error}")
    print(f"Wrote the student edition to {args.out_dir} (plan {plan.name}, {state}): {files} files, "
          f"{replaced} exercise bodies replaced, {cleared} notebook solution cells cleared.")
    return 0
