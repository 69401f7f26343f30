"""Building a student edition of a small project made up here, and of the notebooks that exist."""

import json
import os
import re
import stat

import pytest

from course.edition import PROJECT_ROOT, build, build_blank_through, project_files, read_record
from course.exercises import EXERCISES as COURSE_EXERCISES
from course.exercises import Exercise
from course.gradebook import graded_work, plan_notebooks
from course.notebook_solutions import clear_solutions
from course.placeholder import LINE_LENGTH, raise_lines
from course.plan import load_plan

LAYER = [
    "def double(x):",
    '    """2x."""',
    "    # BEGIN EXERCISE 1",
    "    return 2 * x",
    "    # END EXERCISE 1",
    "",
]
STUDENT_LAYER = [
    "def double(x):",
    '    """2x."""',
    "    # BEGIN EXERCISE 1",
    '    raise NotImplementedError("Exercise 1 (double): multiply by two")',
    "    # END EXERCISE 1",
    "",
]
EXERCISES = [Exercise(1, "double", (("pkg/layer.py", "double"),), "multiply by two", ())]
NOTEBOOK = {"cells": [{"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["solution"]},
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": ["4\n"]}],
                       "source": ["# Exercise 01.1 (twice): solution\n", "print(2 * 2)"]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def make_project(root):
    files = {
        ".gitignore": "runs/\n*.egg-info/\n/local.txt\n# a comment\n",
        "pkg/__init__.py": "",
        "pkg/layer.py": "\n".join(LAYER),
        "pkg/tool.egg-info/PKG-INFO": "ignored",
        "runs/result.txt": "ignored",
        "local.txt": "ignored: the pattern is anchored at the top",
        "sub/local.txt": "kept",
        "notebooks/one.ipynb": json.dumps(NOTEBOOK),
        "run.sh": "#!/bin/sh\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "data.bin").write_bytes(bytes(range(256)))
    (root / "run.sh").chmod(0o755)


def test_the_student_edition_replaces_bodies_clears_solutions_and_copies_the_rest(tmp_path):
    source, out = tmp_path / "project", tmp_path / "student"
    source.mkdir()
    make_project(source)
    assert build(out, source, EXERCISES) == (7, 1, 1)
    assert (out / "pkg/layer.py").read_text().split("\n") == STUDENT_LAYER
    with pytest.raises(NotImplementedError, match=r"^Exercise 1 \(double\): multiply by two$"):
        namespace = {}
        exec((out / "pkg/layer.py").read_text(), namespace)
        namespace["double"](3)
    cell = json.loads((out / "notebooks/one.ipynb").read_text())["cells"][0]
    placeholder = 'raise NotImplementedError("Exercise 01.1 (twice): write your solution in this cell")'
    assert cell["source"] == ["# Exercise 01.1 (twice): solution\n", placeholder]
    assert cell["outputs"] == [] and cell["execution_count"] is None
    for same in (".gitignore", "pkg/__init__.py", "sub/local.txt", "data.bin", "run.sh"):
        assert (out / same).read_bytes() == (source / same).read_bytes(), same
    assert os.stat(out / "run.sh").st_mode & stat.S_IXUSR
    for ignored in ("runs", "pkg/tool.egg-info", "local.txt"):
        assert not (out / ignored).exists(), ignored


def test_an_edition_through_a_week_keeps_what_is_due_and_leaves_out_the_answer_key(tmp_path):
    source, out = tmp_path / "project", tmp_path / "student"
    source.mkdir()
    make_project(source)
    (source / "course" / "answers").mkdir(parents=True)
    (source / "course" / "answers" / "key.md").write_text("the answers")
    (source / ".ci").mkdir()
    (source / ".ci" / "run").write_text("ci")
    (source / "tests" / "references").mkdir(parents=True)
    (source / "tests" / "references" / "naive.py").write_text("a reference forward pass")
    counts = build(out, source, EXERCISES, written={1}, solved_notebooks={"notebooks/one.ipynb"},
                   record={"plan": "6w", "through_week": 2, "written": [1]})
    assert counts == (7, 0, 0)
    assert (out / "pkg/layer.py").read_text() == (source / "pkg/layer.py").read_text()
    assert (out / "notebooks/one.ipynb").read_text() == (source / "notebooks/one.ipynb").read_text()
    assert not (out / "course" / "answers").exists() and not (out / ".ci").exists()
    assert not (out / "tests" / "references").exists()
    assert read_record(out) == {"plan": "6w", "through_week": 2, "written": [1]}


def test_an_edition_of_a_course_that_stops_at_a_week_blanks_that_work_only(tmp_path):
    plan, out = load_plan("6w"), tmp_path / "edition"
    build_blank_through(out, plan, 2)
    due, numbers = plan.due_through(2), {exercise.number for exercise in COURSE_EXERCISES}
    assert due and numbers - due  # both kinds are present
    for exercise in COURSE_EXERCISES:
        text = "".join((out / path).read_text(encoding="utf-8") for path in exercise.paths)
        assert (f'"Exercise {exercise.number} (' in text) == (exercise.number in due), exercise.number
    record = read_record(out)
    assert record == {"plan": "6w", "blank_through_week": 2, "written": sorted(numbers - due)}
    taught = plan.notebooks_through(2)
    later = [notebook for week in plan.weeks[2:] for notebook in week.notebooks]
    source = {notebook: (PROJECT_ROOT / notebook).read_text(encoding="utf-8") for notebook in taught + later}
    assert all((out / notebook).read_text(encoding="utf-8") == source[notebook] for notebook in later)
    assert any((out / notebook).read_text(encoding="utf-8") != source[notebook] for notebook in taught)
    # The gradebook grades the class's own work: what is due in weeks 1-2 and those weeks' notebooks.
    exercises, notebooks = graded_work(plan, record, out, COURSE_EXERCISES)
    assert {exercise.number for exercise in exercises} == due
    assert set(notebooks) == set(taught)


def test_an_edition_at_the_end_of_a_week_is_graded_whole():
    plan = load_plan("6w")
    exercises, notebooks = graded_work(plan, {"plan": "6w", "through_week": 2, "written": [1]}, PROJECT_ROOT,
                                       COURSE_EXERCISES)
    assert len(exercises) == len(COURSE_EXERCISES) and notebooks == plan_notebooks(plan, PROJECT_ROOT)


def test_it_refuses_a_folder_that_is_not_empty_and_names_a_missing_exercise_file(tmp_path):
    source = tmp_path / "project"
    source.mkdir()
    make_project(source)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(ValueError, match="is not empty"):
        build(tmp_path / "full", source, EXERCISES)
    missing = [Exercise(2, "gone", (("pkg/gone.py", "gone"),), "hint", ())]
    with pytest.raises(ValueError, match="exercise files not found in .*: pkg/gone.py"):
        build(tmp_path / "student", source, missing)


def test_project_files_are_the_projects_own():
    files = project_files(PROJECT_ROOT)
    assert {"README.md", "lstm/forget_gate.py", "course/exercises.py"} <= set(files)
    assert not [name for name in files if name.startswith(".git/") or "__pycache__" in name]


def test_a_long_placeholder_wraps_into_pieces_that_join_into_the_message():
    message = "Exercise 9 (a long one): " + " ".join(f"word{k}" for k in range(60)) + ' with "quotes"'
    lines = raise_lines(message, "        ")
    assert len(lines) > 3 and max(len(line) for line in lines) <= LINE_LENGTH
    namespace = {}
    with pytest.raises(NotImplementedError) as raised:
        exec("\n".join(line[8:] for line in lines), namespace)
    assert str(raised.value) == message


def test_every_notebook_clears_and_clearing_twice_changes_nothing():
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        cleared, count = clear_solutions(path.read_text(encoding="utf-8"), path.name)
        assert clear_solutions(cleared, path.name) == (cleared, count)
        solutions = [cell for cell in json.loads(cleared)["cells"]
                     if "solution" in cell["metadata"].get("tags", [])]
        assert len(solutions) == count
        for cell in solutions:
            exercise = cell["source"][0].split(":")[0][2:]  # "# Exercise 08.2 (title): solution"
            with pytest.raises(NotImplementedError, match=f"^{re.escape(exercise)}: "):
                exec("".join(cell["source"]), {})
