"""pytest plugin of the gradebook: every test's exercises and outcome, written as JSON.

    COURSE_OUTCOMES=FILE python -m pytest ... -p course.outcomes

FILE gets {"graded": {test id: [exercise numbers]}, "outcomes": {test id: [outcome, one-line
message]}, "collection_errors": [...]}. Outcomes are passed, failed or skipped; the message
of a failure is the course plugin's one line when it has one.
"""

import json
import os

from course.marks import course_exercises


class TestOutcomes:
    """Keeps, per test, the exercises it grades and how it ended."""

    def __init__(self):
        self.graded = {}
        self.outcomes = {}
        self.collection_errors = []

    def pytest_collection_modifyitems(self, items):
        self.graded.update({item.nodeid: course_exercises(item)[0] for item in items})

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"cannot collect {report.nodeid}: {first_line(report)}")

    def pytest_runtest_logreport(self, report):
        if self.outcomes.get(report.nodeid, ("",))[0] == "failed":
            return  # a teardown after a failure changes nothing
        if report.failed:
            message = dict(report.user_properties).get("course_message") or first_line(report)
            self.outcomes[report.nodeid] = ("failed", message)
        elif report.skipped:
            self.outcomes[report.nodeid] = ("skipped", "")
        elif report.when == "call":
            self.outcomes[report.nodeid] = ("passed", "")

    def as_dict(self):
        return {"graded": self.graded, "outcomes": self.outcomes, "collection_errors": self.collection_errors}


def first_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return next(iter(text.strip().splitlines()), "")


_recorder = TestOutcomes()


def pytest_configure(config):
    config.pluginmanager.register(_recorder, "course-outcomes-recorder")


def pytest_sessionfinish(session):
    path = os.environ.get("COURSE_OUTCOMES")
    if path:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(_recorder.as_dict(), file)
