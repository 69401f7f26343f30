"""The gradebook's rows, points, table, CSV and Gradescope output, from outcomes made up here."""

import csv
import json

from course.exercises import Exercise
from course.gradebook import (
    format_table,
    gradescope_results,
    library_rows,
    missing_tools,
    notebook_rows,
    write_csv,
)
from course.notebook_runs import NotebookRun
from course.plan import Plan, Week

EXERCISES = [Exercise(1, "forget gate forward", (("a.py", "f"),), "h", ()),
             Exercise(2, "col2im", (("b.py", "g"),), "h", ()),
             Exercise(3, "beam search", (("c.py", "k"),), "h", ())]
PLAN = Plan("t", "test plan", (Week(1, "one", (), (), (1, 2, 3), {1: 2, 2: 5, 3: 4}, 3, (), ()),), 1)
RESULTS = {
    "graded": {"t1": [1], "t2": [1], "t3": [2], "t4": [2], "t5": [2], "t6": [3], "t7": []},
    "outcomes": {
        "t1": ["passed", ""], "t2": ["skipped", ""],
        "t3": ["passed", ""], "t4": ["failed", "exercise 2 (col2im): not written yet"],
        "t5": ["failed", "exercise 2 (col2im): assert 1 < 0"],
        "t6": ["skipped", ""], "t7": ["failed", "not an exercise test"],
    },
    "collection_errors": [],
}
RUN = NotebookRun("notebooks/08.ipynb", [(5, "NameError", "x")],
                  {"08.1": ("passed", ""),
                   "08.2": ("failed", "NotImplementedError: Exercise 08.2 (tanh): hint")},
                  {"08.1": "forget", "08.2": "tanh"})


def rows():
    return library_rows(RESULTS, EXERCISES, PLAN) + notebook_rows([RUN], PLAN)


def test_rows_earn_the_plans_points_only_when_every_test_passes():
    assert [(row["number"], row["status"], row["points"], row["max_points"], row["tests_passed"],
             row["tests_failed"], row["detail"]) for row in rows()] == [
        ("1", "passed", 2, 2, 1, 0, ""),
        ("2", "failed", 0, 5, 1, 2, "exercise 2 (col2im): not written yet"),
        ("3", "failed", 0, 4, 0, 0, "no test ran"),
        ("08.1", "passed", 1, 1, 1, 0, ""),
        ("08.2", "failed", 0, 1, 0, 1, "not written yet"),
    ]


def test_the_table_lines_up_and_totals():
    assert format_table(rows()).splitlines() == [
        "   #  exercise             status  points  tests  first failure",
        "   1  forget gate forward  passed  2/2     1/1",
        "   2  col2im               failed  0/5     1/3    exercise 2 (col2im): not written yet",
        "   3  beam search          failed  0/4     0/0    no test ran",
        "08.1  forget               passed  1/1     1/1",
        "08.2  tanh                 failed  0/1     0/1    not written yet",
        "total: 3/13 points",
    ]


def test_gradescope_results_follow_its_specification():
    results = gradescope_results(rows())
    assert results["score"] == 3 and len(results["tests"]) == 5
    assert results["tests"][1] == {"name": "exercise 2 (col2im)", "number": "2", "score": 0, "max_score": 5,
                                   "output": "exercise 2 (col2im): not written yet", "visibility": "visible"}
    assert results["tests"][3]["name"] == "notebook exercise 08.1 (forget)"
    json.dumps(results)  # plain JSON


def test_csv_holds_the_rows(tmp_path):
    write_csv(rows(), tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as file:
        read = list(csv.DictReader(file))
    assert read == [{key: str(value) for key, value in row.items()} for row in rows()]


def test_grading_without_its_tools_says_what_to_install():
    absent = {"pytest", "nbclient"}
    def find(name):
        return None if name in absent else object()
    line = missing_tools(notebooks=True, find=find)
    assert line == "grading needs pytest, nbclient, not installed here: pip install -e '.[test,notebooks]'"
    assert missing_tools(notebooks=False, find=find) == ("grading needs pytest, not installed here: "
                                                          "pip install -e '.[test]'")
    assert missing_tools(notebooks=True, find=lambda name: object()) is None
