"""Grading submissions: only exercise bodies and solution cells are taken from them."""

import json
import shutil
import zipfile

from course.autograder import write_bundle
from course.edition import PROJECT_ROOT
from course.grade_all import grade_submission, transplant_bodies, transplant_solutions, write_grades_csv
from course.plan import load_plan

INSTRUCTOR = "\n".join(["def f(x):", "    # BEGIN EXERCISE 1", "    raise NotImplementedError('x')",
                        "    # END EXERCISE 1", "", "HELPER = 1", ""])
STUDENT = "\n".join(["def f(x):", "    # BEGIN EXERCISE 1", "    y = 2 * x", "    return y",
                     "    # END EXERCISE 1", "", "HELPER = 99  # changed outside the markers", ""])


def test_only_the_bodies_between_the_markers_come_from_the_submission():
    assert transplant_bodies(INSTRUCTOR, STUDENT, "f.py").splitlines() == [
        "def f(x):", "    # BEGIN EXERCISE 1", "    y = 2 * x", "    return y", "    # END EXERCISE 1", "",
        "HELPER = 1"]


def notebook(solution, check):
    cells = [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {"tags": ["solution"]},
              "outputs": [], "source": ["# Exercise 01.1 (twice): solution\n", solution]},
             {"cell_type": "code", "execution_count": None, "id": "b", "metadata": {"tags": ["check"]},
              "outputs": [], "source": [check]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_only_solution_cells_come_from_a_submitted_notebook():
    instructor = notebook("raise NotImplementedError('Exercise 01.1 (twice): hint')", "assert twice(2) == 4")
    student = notebook("def twice(x):\n    return 2 * x", "pass  # the check, emptied")
    cells = json.loads(transplant_solutions(instructor, student, "one.ipynb"))["cells"]
    assert "".join(cells[0]["source"]).endswith("return 2 * x")
    assert cells[1]["source"] == ["assert twice(2) == 4"]


def test_a_submission_is_graded_with_the_instructors_tests(tmp_path):
    submission = tmp_path / "alice"
    (submission / "lstm").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "lstm" / "forget_gate.py", submission / "lstm" / "forget_gate.py")  # 1 and 5
    (submission / "tests" / "lstm").mkdir(parents=True)
    (submission / "tests" / "lstm" / "test_gates.py").write_text("def test_nothing():\n    pass\n")
    rows, notes = grade_submission(submission, load_plan("6w"), notebooks=False)
    status = {row["number"]: row["status"] for row in rows}
    assert status["1"] == status["5"] == "passed"
    assert {number for number, value in status.items() if value == "passed"} == {"1", "5"}
    assert notes == []
    write_grades_csv([("alice", rows)], tmp_path / "grades.csv")
    header, alice = (tmp_path / "grades.csv").read_text().splitlines()
    assert header.startswith("submission,total,max,23,1,")
    assert alice.startswith("alice,5,")  # 2 + 3 points in plan 6w


def test_the_autograder_bundle_has_gradescopes_two_scripts_and_no_answers(tmp_path):
    write_bundle(tmp_path / "autograder.zip", load_plan("4w"))
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle:
        names = set(bundle.namelist())
        run = bundle.read("run_autograder").decode()
        forget_gate = bundle.read("project/lstm/forget_gate.py").decode()
        mode = bundle.getinfo("run_autograder").external_attr >> 16
    assert {"setup.sh", "run_autograder", "project/course/gradebook.py", "project/tests/conftest.py"} <= names
    assert not any(name.startswith(("project/course/answers/", "project/.ci/")) for name in names)
    assert "/autograder/submission" in run and "/autograder/results/results.json" in run and mode & 0o100
    assert 'raise NotImplementedError(\n        "Exercise 1 (forget gate forward)' in forget_gate
