"""The gradient reaching back through time: against hand-derived cases and central differences."""

import functools

import numpy as np
import pytest

import lstm
from lstm.demo import RecallModel, recall_batch
from lstm.gradient_reach import gradient_reaching_back, mean_norm
from numerics import numerical_gradient, rel_error, to_host

N, T, D, H = 2, 5, 3, 4
# The gate-by-gate LSTM step: the gate forwards (1-4), their backwards and the elementwise ones
# (5-10), and the step's backward (11). The RNN step is the candidate gate (3 and 7).
CELLS = [
    pytest.param("lstm", marks=pytest.mark.needs_exercises(*range(1, 12))),
    pytest.param("rnn", marks=pytest.mark.needs_exercises(3, 7)),
]
SEQUENCE_FORWARD = {"lstm": lstm.lstm_forward_with_cell, "rnn": lstm.rnn_forward}


def random_inputs(xp, cell, seed=0):
    """x, h0, Wx, Wh, b, dh_last in float64 for a small sequence."""
    rng = np.random.default_rng(seed)
    width = 4 * H if cell == "lstm" else H
    arrays = (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)) * 0.5,
              rng.standard_normal((D, width)) * 0.6, rng.standard_normal((H, width)) * 0.6,
              rng.standard_normal(width) * 0.3, rng.standard_normal((N, H)))
    return [xp.asarray(array) for array in arrays]


@pytest.mark.needs_exercises(3, 7)
def test_rnn_at_rest_multiplies_by_wh_transposed_at_every_step(xp):
    # With x = 0, b = 0 and h0 = 0 every hidden state stays 0, where tanh's slope is 1: each step
    # back multiplies the gradient by Wh^T exactly, and the input's gradient then by Wx^T.
    rng = np.random.default_rng(1)
    Wx, Wh, dh_last = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal((N, H))
    x, h0, b = np.zeros((N, T, D)), np.zeros((N, H)), np.zeros(H)
    got = gradient_reaching_back("rnn", *(xp.asarray(a) for a in (x, h0, Wx, Wh, b, dh_last)))
    assert set(got) == {"x", "prev_h"}
    for t in range(T):
        expected_h = dh_last @ np.linalg.matrix_power(Wh.T, T - t)
        expected_x = dh_last @ np.linalg.matrix_power(Wh.T, T - 1 - t) @ Wx.T
        assert rel_error(got["prev_h"][:, t], expected_h) < 1e-13, f"prev_h at step {t}"
        assert rel_error(got["x"][:, t], expected_x) < 1e-13, f"x at step {t}"


@pytest.mark.needs_exercises(*range(1, 12))
def test_lstm_without_wh_carries_the_gradient_on_the_cell_state_alone(xp):
    # With Wh = 0 no gate reads h, so nothing goes back through prev_h, and going back along
    # c_t = f_t c_(t-1) + i_t g_t multiplies dL/dc by the forget gate of each step passed.
    x, h0, Wx, _, b, dh_last = random_inputs(np, "lstm", seed=2)
    Wh = np.zeros((H, 4 * H))
    _, cache = lstm.lstm_forward(x, h0, Wx, Wh, b)  # its cache: every gate, (N, T, H)
    got = gradient_reaching_back("lstm", *(xp.asarray(a) for a in (x, h0, Wx, Wh, b, dh_last)))
    assert not to_host(got["prev_h"]).any()
    reaching_the_last_step = to_host(got["prev_c"][:, -1])
    assert np.abs(reaching_the_last_step).min() > 0
    for t in range(T):  # from the last step back to step t: one more forget gate per step passed
        expected = reaching_the_last_step * np.prod(cache["f"][:, t:-1], axis=1)
        assert rel_error(got["prev_c"][:, t], expected) < 1e-13, f"prev_c at step {t}"


def states_entering_each_step(cell, x, h0, Wx, Wh, b):
    """The state each step starts from, as the forward pass leaves it: T lists [prev_h(, prev_c)]."""
    if cell == "rnn":
        hidden, _ = lstm.rnn_forward(x, h0, Wx, Wh, b)
        return [[h0 if t == 0 else hidden[:, t - 1]] for t in range(T)]
    _, cache = lstm.lstm_forward(x, h0, Wx, Wh, b)  # from c0 = 0
    c0 = h0 * 0
    return [[h0, c0] if t == 0 else [cache["h"][:, t - 1], cache["c"][:, t - 1]] for t in range(T)]


@pytest.mark.parametrize("cell", CELLS)
def test_every_gradient_matches_central_differences(xp, cell):
    x, h0, Wx, Wh, b, dh_last = random_inputs(xp, cell)
    got = gradient_reaching_back(cell, x, h0, Wx, Wh, b, dh_last)
    forward = SEQUENCE_FORWARD[cell]

    def last_hidden(inputs, *state):
        return forward(inputs, *state, Wx, Wh, b)[0][:, -1]

    entering_each_step = states_entering_each_step(cell, x, h0, Wx, Wh, b)
    expected_x = numerical_gradient(lambda: last_hidden(x, *entering_each_step[0]), x, dh_last)
    assert rel_error(got["x"], expected_x) < 1e-7
    # From the state step t starts from, the loss depends on it through steps t .. T-1 only.
    for t, entering in enumerate(entering_each_step):
        state = [value.copy() for value in entering]  # numerical_gradient nudges them in place
        for name, value in zip(("prev_h", "prev_c"), state):
            rest = functools.partial(last_hidden, x[:, t:], *state)  # reads state as it is nudged
            expected = numerical_gradient(rest, value, dh_last)
            assert rel_error(got[name][:, t], expected) < 1e-7, f"{name} at step {t}"


def test_bad_input_is_named(xp):
    x, h0, Wx, Wh, b, dh_last = random_inputs(xp, "rnn")
    with pytest.raises(ValueError, match="cell must be one of"):
        gradient_reaching_back("transformer", x, h0, Wx, Wh, b, dh_last)
    with pytest.raises(ValueError, match=r"dh_last must have shape \(2, 4\), got \(2, 3\)"):
        gradient_reaching_back("rnn", x, h0, Wx, Wh, b, dh_last[:, :3])
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        gradient_reaching_back("rnn", x[:, 0], h0, Wx, Wh, b, dh_last)


def test_mean_norm_averages_each_steps_norm_over_the_batch(xp):
    gradient = np.zeros((2, 3, 2))
    gradient[0, :, :] = (3.0, 4.0)  # norm 5 at every step
    gradient[1, 1, :] = (0.0, -1.0)  # norm 1 at step 1, 0 elsewhere
    sizes = mean_norm(xp.asarray(gradient))
    assert isinstance(sizes, np.ndarray)
    np.testing.assert_allclose(sizes, [2.5, 3.0, 2.5], rtol=1e-15)


@pytest.mark.needs_exercises(*range(1, 12))
def test_untrained_recall_models_rnn_forgets_far_faster_than_lstm():
    # The book's and notebook 02's claim, on their inputs: 40 steps, the demo's initialisation.
    tokens, _, _ = recall_batch(np.random.default_rng(0), 32, 38, 8)
    kept = {}
    for cell in ("rnn", "lstm"):
        model = RecallModel(cell, 8, seed=0, dtype=np.float64)
        sizes = mean_norm(model.gradient_reaching_back(tokens, np.random.default_rng(1))["x"])
        assert sizes.shape == (40,)
        kept[cell] = sizes[0] / sizes[-1]  # at the first input, relative to the last
    # The book says: eight orders of magnitude lost by the RNN, about three by the LSTM.
    assert kept["rnn"] < 1e-6
    assert kept["lstm"] > 1e-4
