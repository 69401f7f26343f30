"""The instructors' table of graded exercises, generated from the course kit's registry.

tests/course/exercises.py lists the exercises (a function body the student writes); the tests
that grade exercise N carry @pytest.mark.exercise(N). This collects the test suite (without
running it) to find them, so the table always says which tests grade which exercise.
"""

import pytest
from figure_tools import write_table

from tests.course.exercises import EXERCISES

# The chapter that explains each exercise's function, by function name.
CHAPTER_OF = {
    "forget_gate_forward": "forget_gate",
    "forget_gate_backward": "forget_gate",
    "input_gate_forward": "input_gate",
    "input_gate_backward": "input_gate",
    "candidate_gate_forward": "input_gate",
    "candidate_gate_backward": "input_gate",
    "output_gate_forward": "output_gate",
    "output_gate_backward": "output_gate",
    "cell_state_backward": "cell_state",
    "hidden_output_backward": "output_gate",
    "lstm_step_backward": "backward_through_a_cell",
    "lstm_backward_with_cell": "backprop_through_time",
    "col2im": "convolution",
    "batchnorm_backward": "batch_norm",
    "bottleneck_backward": "bottleneck_and_resnet50",
    "_search_one": "decoding",
    "clipped_ngram_matches": "bleu",
    "corpus_bleu": "bleu",
    "attention_scores_forward": "attention",
    "attention_scores_backward": "attention",
}


class GradingTests:
    """A pytest plugin that records, at collection, which tests grade which exercise."""

    def __init__(self):
        self.by_exercise = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            test = item.nodeid.split("[", 1)[0]  # one row per test function, not per parameter
            for marker in item.iter_markers("exercise"):
                for number in marker.args:
                    self.by_exercise.setdefault(number, []).append(test)


def grading_tests(root):
    """{exercise number: sorted test ids that grade it}, from collecting root/tests."""
    recorder = GradingTests()
    quiet = ["-o", "addopts=", "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:benchmark"]
    arguments = ["--collect-only", *quiet, "--rootdir", str(root), str(root / "tests")]
    status = pytest.main(arguments, plugins=[recorder])
    if status != pytest.ExitCode.OK:
        raise RuntimeError(f"collecting the tests failed (pytest exit status {status})")
    return {number: sorted(set(tests)) for number, tests in recorder.by_exercise.items()}


def tests_by_file(tests):
    """'tests/a.py::t1', 'tests/a.py::t2' -> '`tests/a.py`: `t1`, `t2`' (one line per file)."""
    by_file = {}
    for test in tests:
        path, name = test.split("::", 1)
        by_file.setdefault(path, []).append(f"`{name}`")
    return "<br>".join(f"`{path}`: " + ", ".join(names) for path, names in by_file.items())


def write_exercise_table(out, root):
    unexplained = [exercise.function for exercise in EXERCISES if exercise.function not in CHAPTER_OF]
    if unexplained:
        raise ValueError(f"exercises with no chapter in book/figures_course.py CHAPTER_OF: {unexplained}")
    graders = grading_tests(root)
    rows = []
    for exercise in EXERCISES:
        tests = graders.get(exercise.number)
        if not tests:
            raise ValueError(f"no test is marked @pytest.mark.exercise({exercise.number}) ({exercise.title})")
        chapter = f"{{doc}}`{exercise.title} </chapters/{CHAPTER_OF[exercise.function]}>`"
        rows.append([exercise.number, f"{chapter}<br>`{exercise.function}` in `{exercise.path}`",
                     tests_by_file(tests)])
    header = ["", "what the student writes (and its chapter)", "graded by"]
    write_table(out / "exercise_table.md", header, rows)
