"""The gradebook's rows, table, JSON and CSV, from test outcomes made up here."""

import csv
import json

from tests.course.exercises import Exercise
from tests.course.gradebook import format_table, gradebook_rows, write_csv, write_json

EXERCISES = [Exercise(1, "forget gate forward", "a.py", "f", "h"), Exercise(2, "col2im", "b.py", "g", "h"),
             Exercise(3, "beam search", "c.py", "k", "h")]
GRADED = {"t1": [1], "t2": [1], "t3": [2], "t4": [2], "t5": [2], "t6": [3], "t7": []}
OUTCOMES = {
    "t1": ("passed", ""), "t2": ("skipped", ""),
    "t3": ("passed", ""), "t4": ("failed", "exercise 2 (col2im): not written yet"),
    "t5": ("failed", "exercise 2 (col2im): assert 1 < 0"),
    "t6": ("skipped", ""), "t7": ("failed", "not an exercise test"),
}


def test_rows_count_each_exercises_tests_and_keep_its_first_failure():
    rows = gradebook_rows(GRADED, OUTCOMES, EXERCISES)
    assert rows == [
        {"number": 1, "title": "forget gate forward", "status": "passed", "tests_passed": 1,
         "tests_failed": 0, "detail": ""},
        {"number": 2, "title": "col2im", "status": "failed", "tests_passed": 1, "tests_failed": 2,
         "detail": "exercise 2 (col2im): not written yet"},
        {"number": 3, "title": "beam search", "status": "failed", "tests_passed": 0, "tests_failed": 0,
         "detail": "no test ran"},
    ]


def test_the_table_lines_up():
    rows = gradebook_rows(GRADED, OUTCOMES, EXERCISES)
    assert format_table(rows).splitlines() == [
        "#  exercise             status  tests  first failure",
        "1  forget gate forward  passed  1/1",
        "2  col2im               failed  1/3    exercise 2 (col2im): not written yet",
        "3  beam search          failed  0/0    no test ran",
    ]


def test_json_and_csv_hold_the_rows(tmp_path):
    rows = gradebook_rows(GRADED, OUTCOMES, EXERCISES)
    write_json(rows, tmp_path / "grades.json")
    write_csv(rows, tmp_path / "grades.csv")
    assert json.loads((tmp_path / "grades.json").read_text()) == rows
    with open(tmp_path / "grades.csv", newline="") as file:
        read = list(csv.DictReader(file))
    assert read == [{key: str(value) for key, value in row.items()} for row in rows]
