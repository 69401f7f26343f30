"""The course exercises of the GRU step as pytest marks: 19 (forward) and 20 (backward).

course/exercises.py is the one list of the course's exercises, and the course plugin
refuses a mark that names an exercise it does not list. Until it lists 19 and 20 these
helpers leave those marks off, so the tests run as plain tests; from then on they grade them.
"""

import pytest

from course.exercises import BY_NUMBER

STEP_FORWARD, STEP_BACKWARD = 19, 20


def course_marks(graded=(), needed=()):
    """[exercise(...), needs_exercises(...)] for the registered numbers among graded and needed."""
    graded = [number for number in graded if number in BY_NUMBER]
    needed = [number for number in needed if number in BY_NUMBER]
    return ([pytest.mark.exercise(*graded)] if graded else []) + (
        [pytest.mark.needs_exercises(*needed)] if needed else [])


def course(graded=(), needed=()):
    """Decorator form of course_marks, for a test function."""

    def decorate(test):
        for mark in course_marks(graded, needed):
            test = mark(test)
        return test

    return decorate
