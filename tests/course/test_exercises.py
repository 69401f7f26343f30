"""The registry of exercises and the marker comments in the source agree, in either edition."""

import re

from course.edition import PROJECT_ROOT, project_files
from course.exercises import EXERCISES
from course.markers import marker_problems

GRADING_MARK = re.compile(r"mark\.exercise\(")


def test_exercises_are_numbered_one_to_n_with_distinct_titles():
    assert sorted(exercise.number for exercise in EXERCISES) == list(range(1, len(EXERCISES) + 1))
    assert len({exercise.title for exercise in EXERCISES}) == len(EXERCISES)
    assert all(exercise.title and exercise.hint and exercise.places and exercise.tests
               for exercise in EXERCISES)


def test_every_exercise_is_marked_once_in_each_of_its_functions_and_nothing_else_is_marked():
    registered = {}
    for exercise in EXERCISES:
        for path in exercise.paths:
            registered.setdefault(path, []).append(exercise)
    problems = []
    for path in project_files(PROJECT_ROOT):
        if path.endswith(".py"):
            text = (PROJECT_ROOT / path).read_text(encoding="utf-8")
            problems += marker_problems(text, path, registered.pop(path, []))
    assert not registered, f"registered files that do not exist: {sorted(registered)}"
    assert problems == []


def test_grading_tests_live_in_the_files_the_registry_names():
    # The gradebook collects only these files: a grading test elsewhere would never count.
    listed = {path for exercise in EXERCISES for path in exercise.tests}
    test_files = [path for path in project_files(PROJECT_ROOT)
                  if path.startswith("tests/") and path.endswith(".py")]
    marked = {path for path in test_files
              if GRADING_MARK.search((PROJECT_ROOT / path).read_text(encoding="utf-8"))}
    marked.discard("tests/course/test_plugin.py")  # the plugin's own made-up examples
    assert marked - listed == set()
    assert listed - marked == set()  # (that each exercise has a test that ran: the gradebook says)
