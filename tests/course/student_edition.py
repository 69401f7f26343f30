"""Write the student edition: the project with every exercise body replaced by a raise.

    python -m tests.course.student_edition OUT_DIR

Copies the project's files into OUT_DIR (which must be empty or not exist yet): the files
git knows of and the new ones it does not ignore, or without git every file outside what
.gitignore names. Between the markers of each exercise (tests/course/exercises.py) the
body becomes raise NotImplementedError("Exercise N (title): hint"); in each notebook the
solution cells are cleared (tests/course/notebook_solutions.py). Every other file is
copied byte for byte.
"""

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.course.exercises import EXERCISES
from tests.course.markers import marker_problems, replace_bodies
from tests.course.notebook_solutions import clear_solutions
from tests.course.placeholder import exercise_message, raise_lines

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


def student_source(text, path, exercises):
    """A source file's text with the bodies of its exercises replaced by a raise.

    exercises: those registered for this file. Raises ValueError when the markers do
    not match them (see markers.marker_problems).
    """
    problems = marker_problems(text, path, exercises)
    if problems:
        raise ValueError("; ".join(problems))
    by_number = {exercise.number: exercise for exercise in exercises}

    def placeholder(body):
        exercise = by_number[body.number]
        return raise_lines(exercise_message(exercise.number, exercise.title, exercise.hint), body.indent)

    return replace_bodies(text, placeholder, path)


def build(out_dir, root=PROJECT_ROOT, exercises=EXERCISES):
    """Write the student edition of the project at root into out_dir.

    Returns (number of files, exercises replaced, notebook solution cells cleared).
    """
    out_dir, root = Path(out_dir), Path(root)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty: give a new or empty folder")
    files = project_files(root)
    by_path = {}
    for exercise in exercises:
        by_path.setdefault(exercise.path, []).append(exercise)
    missing = sorted(set(by_path) - set(files))
    if missing:
        raise ValueError(f"exercise files not found in {root}: {', '.join(missing)}")
    cleared = 0
    for relative in files:
        source, target = root / relative, out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative in by_path:
            _write_like(source, target, student_source(_read(source), relative, by_path[relative]))
        elif relative.endswith(".ipynb"):
            text, count = clear_solutions(_read(source), relative)
            _write_like(source, target, text)
            cleared += count
        else:
            shutil.copy2(source, target)
    return len(files), len(exercises), cleared


def _read(path):
    with open(path, encoding="utf-8", newline="") as file:  # newline="": keep \r\n as it is
        return file.read()


def _write_like(source, target, text):
    with open(target, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    shutil.copymode(source, target)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.course.student_edition",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", help="folder to write the student edition into (new or empty)")
    args = parser.parse_args(argv)
    try:
        files, replaced, cleared = build(args.out_dir)
    except ValueError as error:
        sys.exit(f"student_edition: {error}")
    print(f"Wrote the student edition to {args.out_dir}: {files} files, {replaced} exercise bodies "
          f"replaced, {cleared} notebook solution cells cleared.")


if __name__ == "__main__":
    main()
