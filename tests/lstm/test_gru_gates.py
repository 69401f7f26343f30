"""The GRU's parts on their own: reset gate, update gate, candidate and new hidden state."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden, golden_gradient_errors
from tests.golden.inputs import linspace_gru_inputs

SIGMOID_GATES = {
    "r": (lstm.reset_gate_forward, lstm.reset_gate_backward),
    "z": (lstm.update_gate_forward, lstm.update_gate_backward),
}
CANDIDATE_GRADIENTS = ("x", "prev_h", "r", "Wx_n", "Wh_n", "bx_n", "bh_n")
# The forward passes of the parts are course exercise 19, the backward passes of the candidate and
# the new hidden state exercise 20 (graded from caches of stored golden values, not from 19's code).


def part_inputs(xp, name):
    """x and prev_h of the golden step, and the part's own block of its weights: Wx_k, Wh_k, bx_k, bh_k."""
    x, h0, Wx, Wh, bx, bh = linspace_gru_inputs()
    weights = lstm.gru_gate_weights(Wx, Wh, bx, bh, name)
    values = {"x": x[:, 1], "prev_h": h0, **dict(zip(("Wx_k", "Wh_k", "bx_k", "bh_k"), weights, strict=True))}
    return {key: xp.asarray(np.ascontiguousarray(value)) for key, value in values.items()}


def candidate_inputs(xp, r=None):
    """The candidate's inputs in the golden step, r the step's reset gate unless given."""
    inputs = part_inputs(xp, "n")
    r = xp.asarray(golden("gru_step_r")) if r is None else r
    return {"x": inputs["x"], "prev_h": inputs["prev_h"], "r": r,
            **{key: value for key, value in inputs.items() if key[0] in "Wb"}}


def candidate_cache(xp, inputs, n):
    """The cache gru_candidate_forward documents, from the inputs and stored values."""
    return {"x": inputs["x"], "prev_h": inputs["prev_h"], "r": inputs["r"], "Wx_n": inputs["Wx_k"],
            "Wh_n": inputs["Wh_k"], "hn": xp.asarray(golden("gru_step_hn")), "n": n}


def blend_inputs(xp):
    """z, n and prev_h of the golden step."""
    return {"z": xp.asarray(golden("gru_step_z")), "n": xp.asarray(golden("gru_step_n")),
            "prev_h": part_inputs(xp, "r")["prev_h"]}


@pytest.mark.exercise(19)
@pytest.mark.parametrize("name", SIGMOID_GATES)
def test_sigmoid_gate_values_and_cache(xp, name):
    forward, _ = SIGMOID_GATES[name]
    inputs = list(part_inputs(xp, name).values())
    value, cache = forward(*inputs)
    assert rel_error(value, golden(f"gru_step_{name}")) < 1e-14
    (x, prev_h, Wx, Wh), cached_value = cache
    assert all(a is b for a, b in zip((x, prev_h, Wx, Wh), inputs[:4])), "the cache holds the inputs"
    assert cached_value is value


@pytest.mark.needs_exercises(19, 23, 24)
@pytest.mark.parametrize("name", SIGMOID_GATES)
def test_sigmoid_gate_gradients(xp, name):
    forward, backward = SIGMOID_GATES[name]
    errors = check_layer(forward, backward, part_inputs(xp, name))
    assert set(errors) == {"x", "prev_h", "Wx_k", "Wh_k", "bx_k", "bh_k"}
    assert_gradients_close(errors, 1e-7)
    value, cache = forward(*part_inputs(xp, name).values())
    *_, dbx, dbh = backward(xp.ones_like(value), cache)
    assert rel_error(dbx, dbh) == 0.0  # the two biases are added: each gets the same gradient


@pytest.mark.exercise(19)
def test_candidate_scales_the_whole_past_share_by_r(xp):
    inputs = candidate_inputs(xp)
    n, cache = lstm.gru_candidate_forward(*inputs.values())
    assert rel_error(n, golden("gru_step_n")) < 1e-14
    assert rel_error(cache["hn"], golden("gru_step_hn")) < 1e-14  # bh_n is inside the bracket r scales
    expected = candidate_cache(xp, inputs, n)
    assert set(cache) == set(expected)
    assert all(cache[key] is expected[key] for key in ("x", "prev_h", "r", "Wx_n", "Wh_n", "n"))


@pytest.mark.exercise(19)
def test_candidate_with_a_closed_reset_gate_reads_only_the_input(xp):
    inputs = candidate_inputs(xp, r=xp.zeros_like(xp.asarray(golden("gru_step_r"))))
    n, _ = lstm.gru_candidate_forward(*inputs.values())
    assert rel_error(n, golden("gru_candidate_closed_n")) < 1e-14


@pytest.mark.exercise(20)
def test_candidate_gradients(xp):
    inputs = candidate_inputs(xp)
    cache = candidate_cache(xp, inputs, xp.asarray(golden("gru_step_n")))
    gradients = lstm.gru_candidate_backward(xp.asarray(golden("gru_upstream")), cache)
    assert_gradients_close(golden_gradient_errors(gradients, "gru_candidate_", CANDIDATE_GRADIENTS), 1e-7)


@pytest.mark.exercise(20)
def test_candidate_with_a_closed_reset_gate_sends_nothing_to_the_past(xp):
    inputs = candidate_inputs(xp, r=xp.zeros_like(xp.asarray(golden("gru_step_r"))))
    n = xp.asarray(golden("gru_candidate_closed_n"))
    cache = candidate_cache(xp, inputs, n)
    _, dprev_h, _, _, dWh_n, _, dbh_n = lstm.gru_candidate_backward(xp.ones_like(n), cache)
    assert not any(to_host(grad).any() for grad in (dprev_h, dWh_n, dbh_n))


@pytest.mark.needs_exercises(19, 20)
def test_candidate_forward_and_backward_together(xp):
    inputs = candidate_inputs(xp)
    errors = check_layer(lstm.gru_candidate_forward, lstm.gru_candidate_backward, inputs)
    assert set(errors) == {"x", "prev_h", "r", "Wx_k", "Wh_k", "bx_k", "bh_k"}
    assert_gradients_close(errors, 1e-7)


@pytest.mark.exercise(19)
def test_hidden_state_blend_and_its_out_argument(xp):
    inputs = blend_inputs(xp)
    next_h, cache = lstm.gru_hidden_state_forward(*inputs.values())
    assert rel_error(next_h, golden("gru_step_h")) < 1e-14
    assert all(a is b for a, b in zip(cache, inputs.values(), strict=True)), "cache = (z, n, prev_h)"
    out = xp.zeros_like(next_h)
    written, _ = lstm.gru_hidden_state_forward(*inputs.values(), out=out)
    assert written is out and rel_error(out, next_h) == 0.0


@pytest.mark.exercise(20)
def test_hidden_state_blend_gradients(xp):
    inputs = blend_inputs(xp)
    gradients = lstm.gru_hidden_state_backward(xp.asarray(golden("gru_upstream")), tuple(inputs.values()))
    assert_gradients_close(golden_gradient_errors(gradients, "gru_blend_", ("z", "n", "prev_h")), 1e-7)


@pytest.mark.needs_exercises(19)
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
