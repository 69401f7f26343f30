"""pytest plugin of the course kit: exercise markers, and failures told in one line.

    @pytest.mark.exercise(5)              the test grades exercise 5
    @pytest.mark.needs_exercises(9, 12)   the test can pass only once exercises 9 and 12 are written

A failing test that carries either marker, or that ran into an unwritten exercise, is
reported as one line instead of a traceback, e.g.

    exercise 5 (forget gate backward): gradient check failed, rel. error 3e-2 on dWh (tolerance 1e-7)
    exercise 12 (backprop through time): not written yet

`--tb=long` or `--tb=native` shows the traceback as well.
"""

import os
from dataclasses import replace

import pytest

from course.exercises import BY_NUMBER, label
from course.marks import UNWRITTEN, course_exercises


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(number): the test grades this course exercise")
    config.addinivalue_line(
        "markers", "needs_exercises(*numbers): the test can pass only once these course exercises are written"
    )


def pytest_collection_modifyitems(items):
    for item in items:
        graded, needed = course_exercises(item)
        unknown = sorted(set(graded + needed) - set(BY_NUMBER))
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: no exercise {unknown} in course/exercises.py")


def failure_message(graded, needed, error, where=None):
    """The one line for a failed test, or None when the course has nothing to say about it.

    graded, needed: exercise numbers from the test's markers; error: the exception;
    where: 'path:line' of the innermost frame, added for errors other than assertions.
    """
    unwritten = UNWRITTEN.match(str(error)) if isinstance(error, NotImplementedError) else None
    if unwritten and int(unwritten[1]) in BY_NUMBER:
        return f"{label(int(unwritten[1]))}: not written yet"
    if not graded and not needed:
        return None
    if graded:
        subject = ", ".join(label(number) for number in graded)
    else:
        subject = "depends on exercises " + ", ".join(str(number) for number in sorted(needed))
    first_line = next(iter(str(error).strip().splitlines()), "")
    if isinstance(error, AssertionError):
        return f"{subject}: {first_line or 'assertion failed'}"
    return f"{subject}: {type(error).__name__}: {first_line}" + (f" ({where})" if where else "")


class OneLineFailure:
    """A failure shown as its one line: pytest prints it with toterminal and sums it up with reprcrash."""

    def __init__(self, reprcrash):
        self.reprcrash = reprcrash

    def toterminal(self, writer):
        writer.line(self.reprcrash.message, red=True, bold=True)

    def __str__(self):
        return self.reprcrash.message


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if not (report.failed and call.excinfo is not None):
        return
    last = call.excinfo.traceback[-1]
    where = f"{os.path.relpath(last.path, item.config.rootpath)}:{last.lineno + 1}"
    message = failure_message(*course_exercises(item), call.excinfo.value, where)
    if message is None:
        return
    report.user_properties.append(("course_message", message))
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is None:
        report.longrepr = message
    elif item.config.getoption("tbstyle") in ("long", "native"):
        report.longrepr.reprcrash = replace(crash, message=message)  # the summary line
    else:
        report.longrepr = OneLineFailure(replace(crash, message=message))
