"""Recorded results stand in only for the unwritten exercises a cell names."""

import json

import pytest

from course import precomputed


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setattr(precomputed, "DATA", tmp_path)
    (tmp_path / "sample.json").write_text(json.dumps({"accuracy": [0.5]}))
    return tmp_path


def test_live_results_when_the_exercises_are_written(data):
    assert precomputed.live_or_recorded("sample", lambda: {"accuracy": [1.0]}, (3,), show=None) == {
        "accuracy": [1.0]}


def test_recorded_results_and_a_note_while_an_exercise_is_unwritten(data):
    notes = []

    def unwritten():
        raise NotImplementedError("Exercise 12 (backprop through time): walk t = T-1 .. 0")

    results = precomputed.live_or_recorded("sample", unwritten, (3, 12), show=notes.append)
    assert results == {"accuracy": [0.5]}
    assert notes and "exercise 12 is not written yet" in notes[0]


@pytest.mark.parametrize("error", [NotImplementedError("Exercise 5 (forget gate backward): hint"),
                                   NotImplementedError("something else"), ValueError("Exercise 12 (x): y")])
def test_other_errors_are_raised(data, error):
    def failing():
        raise error

    with pytest.raises(type(error)):
        precomputed.live_or_recorded("sample", failing, (12,), show=print)


def test_recording_writes_what_was_computed(data, monkeypatch):
    monkeypatch.setenv("COURSE_RECORD", "1")
    precomputed.live_or_recorded("new", lambda: {"x": [1, 2]}, (1,), show=print)
    assert precomputed.recorded("new") == {"x": [1, 2]}
