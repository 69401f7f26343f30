"""Finding and replacing marked bodies. Sample sources are lists of lines, so that their
marker lines are not marker lines of this file."""

import pytest

from course.exercises import Exercise
from course.markers import enclosing_function, marked_bodies, marker_problems, replace_bodies

SOURCE = "\n".join([
    "def outer(x):",
    '    """Doubles x."""',
    "    # BEGIN EXERCISE 3",
    "    def inner():",
    "        return 2 * x",
    "    return inner()",
    "    # END EXERCISE 3",
    "",
    "",
    "def other(y):",
    "    # BEGIN EXERCISE 4",
    "    return y",
    "    # END EXERCISE 4",
    "",
])


def exercise(number, function):
    return Exercise(number, f"title {number}", (("sample.py", function),), "a hint", ())


def test_marked_bodies_and_their_functions():
    bodies = marked_bodies(SOURCE)
    assert [(body.number, body.begin, body.end, body.indent) for body in bodies] == [
        (3, 2, 6, "    "), (4, 10, 12, "    ")
    ]
    assert [enclosing_function(SOURCE, body) for body in bodies] == ["outer", "other"]
    assert marker_problems(SOURCE, "sample.py", [exercise(3, "outer"), exercise(4, "other")]) == []


def test_replace_bodies_keeps_the_markers_and_the_line_endings():
    def placeholder(body):
        return [f"{body.indent}pass  # {body.number}"]

    replaced = replace_bodies(SOURCE.replace("\n", "\r\n"), placeholder)
    assert replaced.split("\r\n") == [
        "def outer(x):", '    """Doubles x."""',
        "    # BEGIN EXERCISE 3", "    pass  # 3", "    # END EXERCISE 3", "", "",
        "def other(y):",
        "    # BEGIN EXERCISE 4", "    pass  # 4", "    # END EXERCISE 4", "",
    ]


BEGIN_1, END_1 = "    # BEGIN EXERCISE 1", "    # END EXERCISE 1"


@pytest.mark.parametrize(("lines", "message"), [
    ([BEGIN_1, "    # BEGIN EXERCISE 2"], r"<source>:2: BEGIN EXERCISE 2 inside exercise 1 \(line 1\)"),
    ([END_1], "<source>:1: END EXERCISE 1 without its BEGIN"),
    ([BEGIN_1, "    # END EXERCISE 2"], "<source>:2: END EXERCISE 2 without its BEGIN"),
    ([BEGIN_1, "    " + END_1], "<source>:2: END EXERCISE 1 is not indented like"),
    (["x = 1", BEGIN_1], "<source>:2: BEGIN EXERCISE 1 is never ended"),
])
def test_broken_markers_are_named_with_their_line(lines, message):
    with pytest.raises(ValueError, match=message):
        marked_bodies("\n".join(lines))


def test_marker_problems_name_the_wrong_function_and_the_unregistered_and_missing_exercises():
    problems = marker_problems(SOURCE, "sample.py", [exercise(3, "other"), exercise(5, "other")])
    assert problems == [
        "sample.py:3: exercise 3 should be in other, found in outer",
        "sample.py:11: exercise 4 is marked here but not registered for this file",
        "sample.py: exercise 5 is marked 0 times in other, not once",
    ]


def test_an_end_marker_after_the_next_function_is_outside_every_function():
    lines = SOURCE.splitlines()
    moved = "\n".join(lines[:6] + lines[7:10] + ["    x = 1", lines[6]])  # END EXERCISE 3 after other()
    body = next(body for body in marked_bodies(moved) if body.number == 3)
    assert enclosing_function(moved, body) is None
