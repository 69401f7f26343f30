"""The wrong bodies of the isolation check: unwritten, or every returned value nudged."""

import numpy as np
import pytest

from course.exercises import BY_NUMBER
from course.isolation import numerically_wrong, wrong_source

SOURCE = "\n".join([
    "def cell(x, y):",
    '    """A sample."""',
    "    # BEGIN EXERCISE 9",
    "    if x is None:",
    "        return (y,",
    "                y)",
    "    return x * y, [x]",
    "    # END EXERCISE 9",
    "",
])


def run(text):
    namespace = {}
    exec(text, namespace)
    return namespace["cell"]


def test_an_unwritten_body_raises_the_editions_placeholder():
    cell = run(wrong_source(SOURCE, "sample.py", 9, "unwritten"))
    with pytest.raises(NotImplementedError, match=rf"^Exercise 9 \({BY_NUMBER[9].title}\): "):
        cell(1.0, 2.0)


def test_a_wrong_body_returns_every_value_nudged():
    cell = run(wrong_source(SOURCE, "sample.py", 9, "wrong"))
    product, listed = cell(np.array([2.0]), 3.0)
    assert product[0] == pytest.approx(6.0 * 1.01 + 0.01) and listed[0][0] == pytest.approx(2.0 * 1.01 + 0.01)
    assert cell(None, 1.0) == (pytest.approx(1.02), pytest.approx(1.02))  # a return over two lines
    assert run(SOURCE)(np.array([2.0]), 3.0)[0][0] == 6.0  # the source itself is unchanged


def test_numerically_wrong_keeps_structure_and_leaves_non_numbers():
    value = {"a": (np.ones(2, dtype=np.float32), 3), "b": [True, None, "text"], "c": 2.0}
    wrong = numerically_wrong(value)
    assert wrong["a"][0].dtype == np.float32 and wrong["a"][0][0] == pytest.approx(1.02)
    assert wrong["a"][1] == 4 and wrong["b"] == [True, None, "text"] and wrong["c"] == pytest.approx(2.03)
