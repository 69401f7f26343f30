"""How far back the GRU's gradient reaches: a hand-derived case, central differences, the demo's cells."""

import functools

import numpy as np
import pytest

import lstm
from lstm.demo import gradient_through_time
from lstm.gradient_reach import gradient_reaching_back
from numerics import numerical_gradient, rel_error

N, T, D, H = 2, 5, 3, 4
STEPS = pytest.mark.needs_exercises(19, 20)  # gradient_reaching_back walks gru_step_*


def random_inputs(xp, seed=0):
    """x, h0, Wx, Wh, (bx, bh), dh_last in float64 for a small sequence, as arrays of xp."""
    rng = np.random.default_rng(seed)

    def draw(*shape, scale=1.0):
        return xp.asarray(rng.standard_normal(shape) * scale)

    x, h0, Wx, Wh = draw(N, T, D), draw(N, H, scale=0.5), draw(D, 3 * H, scale=0.6), draw(H, 3 * H, scale=0.6)
    return x, h0, Wx, Wh, (draw(3 * H, scale=0.3), draw(3 * H, scale=0.3)), draw(N, H)


@STEPS
def test_without_wh_the_gradient_travels_on_the_update_gate_alone(xp):
    # With Wh = 0 no gate reads h, and bh_n only shifts the candidate: prev_h reaches
    # h = (1 - z) n + z prev_h only through the blend, so each step back multiplies the
    # gradient by that step's update gate z.
    x, h0, Wx, _, (bx, bh), dh_last = random_inputs(np, seed=1)
    Wh = np.zeros((H, 3 * H))
    _, cache = lstm.gru_forward(x, h0, Wx, Wh, bx, bh)  # the sequence path: every z, (N, T, H)
    got = gradient_reaching_back("gru", *(xp.asarray(a) for a in (x, h0, Wx, Wh)),
                                 (xp.asarray(bx), xp.asarray(bh)), xp.asarray(dh_last))
    assert set(got) == {"x", "prev_h"}
    for t in range(T):
        expected = dh_last * np.prod(cache["z"][:, t:], axis=1)
        assert rel_error(got["prev_h"][:, t], expected) < 1e-13, f"prev_h at step {t}"


@STEPS
def test_every_gradient_matches_central_differences(xp):
    x, h0, Wx, Wh, biases, dh_last = random_inputs(xp)
    got = gradient_reaching_back("gru", x, h0, Wx, Wh, biases, dh_last)

    def last_hidden(inputs, state):
        return lstm.gru_forward(inputs, state, Wx, Wh, *biases)[0][:, -1]

    expected_x = numerical_gradient(lambda: last_hidden(x, h0), x, dh_last)
    assert rel_error(got["x"], expected_x) < 1e-7
    hidden, _ = lstm.gru_forward(x, h0, Wx, Wh, *biases)
    for t in range(T):
        state = (h0 if t == 0 else hidden[:, t - 1]).copy()  # numerical_gradient nudges it in place
        expected = numerical_gradient(functools.partial(last_hidden, x[:, t:], state), state, dh_last)
        assert rel_error(got["prev_h"][:, t], expected) < 1e-7, f"prev_h at step {t}"


def test_the_gru_needs_both_biases(xp):
    x, h0, Wx, Wh, (bx, bh), dh_last = random_inputs(xp)
    with pytest.raises(ValueError, match=r"for the GRU, b must be the pair \(bx, bh\)"):
        gradient_reaching_back("gru", x, h0, Wx, Wh, bx, dh_last)
    with pytest.raises(ValueError, match=r"bh must have shape \(12,\).*got \(4,\)"):
        gradient_reaching_back("gru", x, h0, Wx, Wh, (bx, bh[:4]), dh_last)


@pytest.mark.needs_exercises(*range(1, 12))
@STEPS
def test_untrained_gated_cells_keep_far_more_than_the_rnn():
    # The book's GRU chapter: over 40 steps the RNN keeps about 1e-8 of the last step's
    # gradient, the GRU (update-gate bias 1) about 1e-4 and the LSTM (forget-gate bias 1) 1e-3.
    kept = {cell: gradient_through_time(cell)[0] for cell in ("rnn", "gru", "lstm")}
    assert kept["rnn"] < 1e-7
    assert 1e-5 < kept["gru"] < 1e-3
    assert kept["lstm"] > 1e-3
