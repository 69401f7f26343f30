"""The registry of exercises and the marker comments in the source agree, in either edition."""

from tests.course.exercises import EXERCISES
from tests.course.markers import marker_problems
from tests.course.student_edition import PROJECT_ROOT, project_files


def test_exercises_are_numbered_one_to_n_with_distinct_titles():
    assert [exercise.number for exercise in EXERCISES] == list(range(1, len(EXERCISES) + 1))
    assert len({exercise.title for exercise in EXERCISES}) == len(EXERCISES)
    assert all(exercise.title and exercise.hint for exercise in EXERCISES)


def test_every_exercise_is_marked_once_in_its_function_and_nothing_else_is_marked():
    registered = {}
    for exercise in EXERCISES:
        registered.setdefault(exercise.path, []).append(exercise)
    problems = []
    for path in project_files(PROJECT_ROOT):
        if path.endswith(".py"):
            text = (PROJECT_ROOT / path).read_text(encoding="utf-8")
            problems += marker_problems(text, path, registered.pop(path, []))
    assert not registered, f"registered files that do not exist: {sorted(registered)}"
    assert problems == []

