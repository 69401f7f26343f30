"""The recall demo with the GRU beside the RNN and the LSTM, and the picture that compares them."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import lstm
from lstm.demo import RecallModel, compare_cells, recall_batch, side_by_side_table, train
from lstm.gru_figures import draw_cells_side_by_side
from numerics import numerical_gradient, rel_error, to_host
from tests.lstm.test_demo import finish


def test_parameter_counts_by_hand():
    # Input 16, hidden 32: Wx (16, kH), Wh (32, kH) and the biases, with k = 1, 3, 4 blocks;
    # the GRU keeps two biases of 3H, the LSTM and the RNN one.
    expected = {"rnn": 16 * 32 + 32 * 32 + 32,
                "gru": 3 * (16 * 32 + 32 * 32) + 2 * 3 * 32,
                "lstm": 4 * (16 * 32 + 32 * 32) + 4 * 32}
    assert expected == {"rnn": 1568, "gru": 4800, "lstm": 6272}
    for cell, count in expected.items():
        assert RecallModel(cell, 8).recurrent_parameter_count() == count, cell


def test_gru_model_starts_by_keeping():
    model = RecallModel("gru", 8)
    assert set(model.params) == {"W_embed", "Wx", "Wh", "bx", "bh", "W_out", "b_out"}
    np.testing.assert_array_equal(to_host(lstm.gru_gate_block(model.params["bx"], "z")), 1.0)
    for name in ("r", "n"):
        assert not to_host(lstm.gru_gate_block(model.params["bx"], name)).any()
    assert not to_host(model.params["bh"]).any()
    assert [b is model.params[name] for b, name in zip(model.biases(), ("bx", "bh"))] == [True, True]


@pytest.mark.needs_exercises(19, 20)
def test_gru_model_gradients(xp):
    # The whole model's loss, differentiated by hand, against central differences for each weight.
    model = RecallModel("gru", 3, hidden_size=4, embedding_size=3, seed=1, xp=xp, dtype=np.float64)
    tokens, targets, mask = recall_batch(np.random.default_rng(2), 3, 2, 3, xp)
    _, grads = model.loss(tokens, targets, mask)
    assert set(grads) == set(model.params)
    for name, weight in model.params.items():
        numeric = numerical_gradient(lambda: model.loss(tokens, targets, mask)[0], weight)
        assert rel_error(grads[name], numeric) < 1e-7, name


@pytest.mark.needs_exercises(19, 20)
def test_gru_learns_to_recall_across_a_short_gap():
    model, losses = finish(train("gru", gap=5, steps=400, report_every=100))
    assert losses[-1] < 0.2 * losses[0]
    assert model.accuracy(*recall_batch(np.random.default_rng(9), 500, 5, 8)) > 0.9


@pytest.mark.needs_exercises(3, 7, 12)  # rnn_backward and lstm_backward
@pytest.mark.needs_exercises(19, 20)
def test_compare_cells_answers_for_every_cell_and_gap():
    heard = []
    results = compare_cells(("rnn", "gru"), gaps=(2, 3), steps=3, report=lambda *said: heard.append(said))
    assert list(results) == ["rnn", "gru"]
    for cell, result in results.items():
        assert set(result["accuracy"]) == set(result["seconds_per_step"]) == set(result["models"]) == {2, 3}
        assert result["models"][3].accuracy(*recall_batch(np.random.default_rng(10_000), 1000, 3, 8)) \
            == result["accuracy"][3]
        assert all(0 <= share <= 1 for share in result["accuracy"].values())
        assert result["gradient"].shape == (40,) and result["gradient"][-1] == 1.0
        # Every gap's training was heard from step 1, and its test accuracy after it.
        for gap in (2, 3):
            assert (cell, gap, 1) == heard[0][:3]
            heard = heard[1:]
            assert heard[0][:3] == (cell, gap, None) and heard[0][3] == result["accuracy"][gap]
            heard = heard[1:]
    lines = side_by_side_table(results)
    assert len(lines) == 3 and "gap  2" in lines[0] and "gap  3" in lines[0]
    assert lines[2].split()[:2] == ["gru", "4,800"]


def results_by_hand():
    """compare_cells's answer for three cells, made up: known numbers for the picture to show."""
    return {cell: {"accuracy": {5: 1.0, 20: accuracy}, "parameters": parameters,
                   "seconds_per_step": {5: 0.001, 20: milliseconds / 1e3},
                   "gradient": np.geomspace(keep, 1.0, 40)}
            for cell, accuracy, parameters, milliseconds, keep in (("rnn", 0.125, 1568, 2.0, 1e-8),
                                                                   ("gru", 1.0, 4800, 4.0, 1e-4),
                                                                   ("lstm", 0.9, 6272, 5.0, 1e-3))}


def test_side_by_side_figure_shows_the_numbers():
    figure = Figure()
    axes = figure.subplots(2, 2).flat
    results = results_by_hand()
    lines = draw_cells_side_by_side(list(axes), results)
    accuracy_axes, gradient_axes, parameter_axes, time_axes = figure.axes
    bars = {container.get_label(): [bar.get_height() for bar in container]
            for container in accuracy_axes.containers}
    assert bars == {"vanilla RNN": [1.0, 0.125], "GRU": [1.0, 1.0], "LSTM": [1.0, 0.9]}
    for cell, line in lines.items():
        steps_back, left = line.get_data()
        np.testing.assert_array_equal(steps_back, np.arange(40)[::-1])
        np.testing.assert_array_equal(left, results[cell]["gradient"])
    assert [bar.get_height() for bar in parameter_axes.containers[0]] == [1568, 4800, 6272]
    np.testing.assert_allclose([bar.get_height() for bar in time_axes.containers[0]], [2.0, 4.0, 5.0])
    assert "gap 20" in time_axes.get_title()
