"""The GRU's parts on their own: reset gate, update gate, candidate and new hidden state."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from tests.lstm.reference import logistic

SIGMOID_GATES = {
    "reset": (lstm.reset_gate_forward, lstm.reset_gate_backward),
    "update": (lstm.update_gate_forward, lstm.update_gate_backward),
}


def part_inputs(xp, rng, N=3, D=4, H=5):
    """Random float64 inputs of one part: x, prev_h and its weights Wx_k, Wh_k, bx_k, bh_k."""
    return {
        "x": xp.asarray(rng.standard_normal((N, D))),
        "prev_h": xp.asarray(rng.standard_normal((N, H))),
        "Wx_k": xp.asarray(rng.standard_normal((D, H)) * 0.5),
        "Wh_k": xp.asarray(rng.standard_normal((H, H)) * 0.5),
        "bx_k": xp.asarray(rng.standard_normal(H) * 0.5),
        "bh_k": xp.asarray(rng.standard_normal(H) * 0.5),
    }


def candidate_inputs(xp, rng, N=3, D=4, H=5):
    inputs = part_inputs(xp, rng, N, D, H)
    r = xp.asarray(rng.uniform(0.05, 0.95, (N, H)))
    return {"x": inputs["x"], "prev_h": inputs["prev_h"], "r": r,
            **{name: value for name, value in inputs.items() if name[0] in "Wb"}}


@pytest.mark.parametrize("gate", SIGMOID_GATES)
def test_sigmoid_gate_gradients(xp, gate):
    forward, backward = SIGMOID_GATES[gate]
    errors = check_layer(forward, backward, part_inputs(xp, np.random.default_rng(1)))
    assert set(errors) == {"x", "prev_h", "Wx_k", "Wh_k", "bx_k", "bh_k"}
    assert_gradients_close(errors, 1e-7)


@pytest.mark.parametrize("gate", SIGMOID_GATES)
def test_sigmoid_gate_values_match_the_formula(xp, gate):
    forward, backward = SIGMOID_GATES[gate]
    host = part_inputs(np, np.random.default_rng(2))
    value, cache = forward(*(xp.asarray(v) for v in host.values()))
    a = host["x"] @ host["Wx_k"] + host["bx_k"] + host["prev_h"] @ host["Wh_k"] + host["bh_k"]
    expected = logistic(a)
    assert rel_error(value, expected) < 1e-14
    *_, dbx, dbh = backward(xp.ones_like(value), cache)
    assert rel_error(dbx, dbh) == 0.0  # the two biases are added: each gets the same gradient


@pytest.mark.exercise(20)
def test_candidate_gradients(xp):
    errors = check_layer(lstm.gru_candidate_forward, lstm.gru_candidate_backward,
                         candidate_inputs(xp, np.random.default_rng(3)))
    assert set(errors) == {"x", "prev_h", "r", "Wx_k", "Wh_k", "bx_k", "bh_k"}
    assert_gradients_close(errors, 1e-7)


def test_candidate_scales_the_whole_past_share_by_r(xp):
    host = candidate_inputs(np, np.random.default_rng(4))
    n, cache = lstm.gru_candidate_forward(*(xp.asarray(v) for v in host.values()))
    past = host["prev_h"] @ host["Wh_k"] + host["bh_k"]  # bh_n is inside the bracket that r scales
    expected = np.tanh(host["x"] @ host["Wx_k"] + host["bx_k"] + host["r"] * past)
    assert rel_error(n, expected) < 1e-14
    assert rel_error(cache["hn"], past) < 1e-14


@pytest.mark.exercise(20)
def test_candidate_with_a_closed_reset_gate_reads_only_the_input(xp):
    inputs = candidate_inputs(xp, np.random.default_rng(5))
    inputs["r"] = xp.zeros_like(inputs["r"])
    n, cache = lstm.gru_candidate_forward(*inputs.values())
    host = {name: to_host(value) for name, value in inputs.items()}
    assert rel_error(n, np.tanh(host["x"] @ host["Wx_k"] + host["bx_k"])) < 1e-15
    _, dprev_h, _, _, dWh_n, _, dbh_n = lstm.gru_candidate_backward(xp.ones_like(n), cache)
    assert not any(to_host(grad).any() for grad in (dprev_h, dWh_n, dbh_n))


@pytest.mark.exercise(20)
def test_hidden_state_blend(xp):
    rng = np.random.default_rng(6)
    z = xp.asarray(rng.uniform(0, 1, (2, 3)))
    n, prev_h = (xp.asarray(rng.uniform(-1, 1, (2, 3))) for _ in range(2))
    next_h, _ = lstm.gru_hidden_state_forward(z, n, prev_h)
    assert rel_error(next_h, (1 - z) * n + z * prev_h) < 1e-15
    errors = check_layer(lstm.gru_hidden_state_forward, lstm.gru_hidden_state_backward,
                         {"z": z, "n": n, "prev_h": prev_h})
    assert_gradients_close(errors, 1e-7)


def test_update_gate_of_one_keeps_and_zero_takes_the_candidate(xp):
    n, prev_h = xp.asarray([[0.5, -0.25]]), xp.asarray([[2.0, -3.0]])
    kept, _ = lstm.gru_hidden_state_forward(xp.ones((1, 2)), n, prev_h)
    taken, _ = lstm.gru_hidden_state_forward(xp.zeros((1, 2)), n, prev_h)
    assert rel_error(kept, prev_h) == 0.0
    assert rel_error(taken, n) == 0.0


def test_gru_layout_is_pytorchs_order():
    assert lstm.GRU_GATES == ("r", "z", "n")
    assert lstm.gru_gate_columns("n", 5) == slice(10, 15)
    stacked = np.arange(12.0)
    np.testing.assert_array_equal(lstm.gru_gate_block(stacked, "z"), [4, 5, 6, 7])
    with pytest.raises(ValueError, match=r"unknown gate 'f'; the gates are \('r', 'z', 'n'\)"):
        lstm.gru_gate_columns("f", 5)
