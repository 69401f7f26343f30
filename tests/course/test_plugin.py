"""Failures of exercise tests in one line."""

import pytest

from course.plugin import failure_message
from numerics.gradcheck import assert_gradients_close


def gradient_failure():
    try:
        assert_gradients_close({"x": 1e-9, "Wh": 0.031, "b": 2e-8}, 1e-7)
    except AssertionError as error:
        return error
    raise AssertionError("assert_gradients_close passed a rel. error of 0.031")


def test_a_gradient_check_names_the_exercise_and_the_worst_gradient():
    assert failure_message([5], [1], gradient_failure()) == (
        "exercise 5 (forget gate backward): gradient check failed, rel. error 3e-2 on dWh (tolerance 1e-7)"
    )


def test_an_unwritten_exercise_is_named_whichever_test_runs_into_it():
    unwritten = NotImplementedError("Exercise 1 (forget gate forward): gate_affine_forward gives ...")
    assert failure_message([5], [1], unwritten) == "exercise 1 (forget gate forward): not written yet"
    assert failure_message([], [], unwritten) == "exercise 1 (forget gate forward): not written yet"


def test_other_errors_keep_their_type_first_line_and_place():
    error = ValueError("operands could not be broadcast\nmore detail")
    assert failure_message([], [12, 9], error, "lstm/sequence.py:80") == (
        "depends on exercises 9, 12: ValueError: operands could not be broadcast (lstm/sequence.py:80)"
    )


def test_tests_without_exercises_are_left_alone():
    assert failure_message([], [], ValueError("x")) is None
    assert failure_message([], [], NotImplementedError("Exercise 99 (no such): hint")) is None


def test_pytest_reports_the_one_line(pytester):
    pytester.makepyfile(test_sample="""
        import pytest
        from numerics.gradcheck import assert_gradients_close

        @pytest.mark.exercise(5)
        def test_wrong_gradient():
            assert_gradients_close({"x": 1e-9, "Wh": 0.031}, 1e-7)

        @pytest.mark.needs_exercises(12)
        def test_unwritten():
            raise NotImplementedError("Exercise 12 (backprop through time): loop backwards")
    """)
    result = pytester.runpytest_inprocess("-p", "course.plugin", "-ra")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "exercise 5 (forget gate backward): gradient check failed, rel. error 3e-2 on dWh (tolerance 1e-7)",
        "exercise 12 (backprop through time): not written yet",
        "FAILED test_sample.py::test_wrong_gradient - exercise 5 (forget gate*",  # the summary line, cut to
        "FAILED test_sample.py::test_unwritten - exercise 12 (backprop*",  # the terminal's width
    ])
    assert "Traceback" not in result.stdout.str() and "def test_" not in result.stdout.str()


def test_an_unknown_exercise_number_stops_the_run(pytester):
    pytester.makepyfile(test_sample="""
        import pytest

        @pytest.mark.exercise(99)
        def test_x():
            pass
    """)
    result = pytester.runpytest_inprocess("-p", "course.plugin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no exercise [99]" in result.stderr.str()
