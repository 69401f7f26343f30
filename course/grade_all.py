"""Grade students' submissions with the instructor's tests: a folder of them, or one.

    python -m course grade-all SUBMISSIONS/ --csv grades.csv [--plan NAME] [--no-notebooks]
    python -m course grade-all --one SUBMISSION --gradescope results.json    (Gradescope's run_autograder)

Each submission is a copy of the student edition (a folder, or only some of its files). What
is graded is the instructor's own edition of the project (tests/, course/ and every file
from this project) with two things taken from the submission: the exercise bodies between
each `# BEGIN EXERCISE N` / `# END EXERCISE N` pair, and the notebooks' solution cells. So
nothing a student changes elsewhere, a test, the gradebook, a check cell, counts; an
exercise whose markers were damaged stays unwritten, and the output says so.
grades.csv holds one row per submission: its folder name, total points, then each
exercise's points.
"""

import argparse
import csv
import io
import json
import sys
import tempfile
from pathlib import Path

from course.edition import PROJECT_ROOT, build, read_record
from course.exercises import EXERCISES
from course.gradebook import format_table, grade, gradescope_results, write_json
from course.markers import marked_bodies, replace_bodies
from course.notebook_solutions import solution_cells
from course.plan import DEFAULT_PLAN, load_plan
from numerics.files import write_text


def student_bodies(text, path):
    """{exercise number: body lines} of a submitted source file."""
    lines = text.splitlines()
    return {body.number: lines[body.begin + 1 : body.end] for body in marked_bodies(text, path)}


def transplant_bodies(instructor_text, student_text, path):
    """The instructor's file with the submission's exercise bodies in place of its own."""
    bodies = student_bodies(student_text, path)
    lines = instructor_text.splitlines()

    def body_lines(body):
        return bodies.get(body.number, lines[body.begin + 1 : body.end])

    return replace_bodies(instructor_text, body_lines, path)


def transplant_solutions(instructor_text, student_text, path):
    """The instructor's notebook (JSON text) with the submission's solution cells, matched by exercise id."""
    instructor, student = json.loads(instructor_text), json.loads(student_text)
    submitted = {exercise_id: student["cells"][index]
                 for index, exercise_id, *_ in solution_cells(student, path)}
    for index, exercise_id, *_ in solution_cells(instructor, path):
        if exercise_id in submitted:
            instructor["cells"][index]["source"] = submitted[exercise_id]["source"]
            instructor["cells"][index]["outputs"], instructor["cells"][index]["execution_count"] = [], None
    return json.dumps(instructor, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def graded_copy(submission, out_dir, root=PROJECT_ROOT):
    """Write into out_dir the project to grade for one submission. Returns notes (damaged files)."""
    submission, out_dir = Path(submission), Path(out_dir)
    build(out_dir, root)
    notes = []
    paths = {path for exercise in EXERCISES for path in exercise.paths}
    for path in sorted(paths):
        source = submission / path
        if not source.exists():
            continue
        target = out_dir / path
        try:
            target.write_text(transplant_bodies(target.read_text(encoding="utf-8"),
                                                source.read_text(encoding="utf-8"), path), encoding="utf-8")
        except (ValueError, UnicodeDecodeError) as error:
            notes.append(f"{path}: exercise markers unreadable, graded as unwritten ({error})")
    for target in sorted((out_dir / "notebooks").glob("*.ipynb")):
        relative = target.relative_to(out_dir).as_posix()
        source = submission / relative
        if not source.exists():
            continue
        try:
            mine, theirs = target.read_text(encoding="utf-8"), source.read_text(encoding="utf-8")
            text = transplant_solutions(mine, theirs, relative)
            target.write_text(text, encoding="utf-8")
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            notes.append(f"{relative}: not a readable notebook, its exercises graded as unwritten ({error})")
    return notes


def grade_submission(submission, plan, notebooks=True, root=PROJECT_ROOT):
    """(rows of the gradebook, notes) for one submission."""
    with tempfile.TemporaryDirectory() as scratch:
        graded = Path(scratch) / "graded"
        notes = graded_copy(submission, graded, root)
        rows = grade(graded, plan, None if notebooks else [])
    return rows, notes


def write_grades_csv(results, path):
    """results: [(submission name, rows)]. One line per submission: name, total, each exercise's points."""
    numbers = [row["number"] for row in results[0][1]] if results else []
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["submission", "total", "max", *numbers])
    for name, rows in results:
        by_number = {row["number"]: row["points"] for row in rows}
        writer.writerow([name, sum(row["points"] for row in rows), sum(row["max_points"] for row in rows),
                         *(by_number.get(number, 0) for number in numbers)])
    write_text(path, text.getvalue())  # atomic: a half-written table is never read as the grades


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course grade-all", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path, help="a folder of submission folders (or, with --one, one)")
    parser.add_argument("--one", action="store_true", help="SUBMISSIONS is a single submission")
    parser.add_argument("--csv", metavar="FILE", help="write one row per submission to FILE")
    parser.add_argument("--gradescope", metavar="FILE", help="with --one: write Gradescope's results.json")
    parser.add_argument("--plan", help="whose points count (default: this edition's plan, or 6w)")
    parser.add_argument("--no-notebooks", action="store_true", help="grade the library exercises only")
    args = parser.parse_args(argv)
    plan = load_plan(args.plan or read_record(PROJECT_ROOT).get("plan", DEFAULT_PLAN))
    folders = [args.submissions] if args.one else sorted(path for path in args.submissions.iterdir()
                                                         if path.is_dir())
    if not folders:
        sys.exit(f"course grade-all: no submission folders in {args.submissions}")
    results = []
    for folder in folders:
        print(f"grading {folder.name} ...", file=sys.stderr, flush=True)
        rows, notes = grade_submission(folder, plan, not args.no_notebooks)
        results.append((folder.name, rows))
        print(f"== {folder.name}\n{format_table(rows)}")
        for note in notes:
            print(f"note: {note}")
        if args.gradescope:
            results_json = gradescope_results(rows)
            if notes:
                results_json["output"] = "\n".join(notes)
            write_json(results_json, args.gradescope)
    if args.csv:
        write_grades_csv(results, args.csv)
    return 0

