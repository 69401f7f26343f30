"""Reading the course's markers off a collected test, and its placeholders off an error."""

import re

# How the student edition's placeholders begin: raise NotImplementedError("Exercise 5 (...
UNWRITTEN = re.compile(r"^Exercise (\d+) \(")


def course_exercises(item):
    """(the exercise numbers a test grades, those it needs besides), from its markers."""
    graded = [number for marker in item.iter_markers("exercise") for number in marker.args]
    needed = [number for marker in item.iter_markers("needs_exercises") for number in marker.args]
    return graded, needed
