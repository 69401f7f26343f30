"""The recall demo: the LSTM learns a task that the vanilla RNN cannot."""

import numpy as np
import pytest

from lstm.demo import RecallModel, main, recall_batch, train


def finish(training):
    losses = []
    try:
        while True:
            losses.append(next(training)[1])
    except StopIteration as finished:
        return finished.value, losses


def test_recall_batch_layout():
    tokens, targets, mask = recall_batch(np.random.default_rng(0), 4, gap=3, n_symbols=2)
    assert tokens.shape == targets.shape == mask.shape == (4, 5)
    assert (tokens[:, 0] < 2).all() and (tokens[:, 1:4] >= 2).all() and (tokens[:, -1] == 4).all()
    np.testing.assert_array_equal(targets[:, -1], tokens[:, 0])
    assert mask.sum() == 4 and mask[:, -1].all()


def test_accuracy_takes_a_batch_on_the_host_or_on_the_models_device(xp):
    model = RecallModel("lstm", 8, xp=xp)
    on_host = recall_batch(np.random.default_rng(3), 50, 4, 8)
    on_device = recall_batch(np.random.default_rng(3), 50, 4, 8, xp)
    accuracy = model.accuracy(*on_host)
    assert accuracy == model.accuracy(*on_device)
    assert 0 <= accuracy <= 1


@pytest.mark.needs_exercises(12)  # lstm_backward
def test_lstm_learns_to_recall_across_a_short_gap():
    model, losses = finish(train("lstm", gap=5, steps=400, report_every=100))
    assert losses[-1] < 0.2 * losses[0]
    assert model.accuracy(*recall_batch(np.random.default_rng(9), 500, 5, 8)) > 0.9


# The sequence layers train; the gate-by-gate steps measure how far back the gradient reaches.
@pytest.mark.needs_exercises(*range(1, 13))
@pytest.mark.needs_exercises(19, 20)
def test_demo_prints_both_cells(capsys):
    main(["--gap", "3", "--steps", "20"])
    out = capsys.readouterr().out
    assert "rnn  test accuracy" in out and "lstm test accuracy" in out
