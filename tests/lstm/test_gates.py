"""Each gate, the cell-state update and the hidden output, on their own."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden, golden_gradient_errors
from tests.golden.inputs import linspace_lstm_inputs

GATE_PAIRS = {
    "input": (lstm.input_gate_forward, lstm.input_gate_backward),
    "forget": (lstm.forget_gate_forward, lstm.forget_gate_backward),
    "candidate": (lstm.candidate_gate_forward, lstm.candidate_gate_backward),
    "output": (lstm.output_gate_forward, lstm.output_gate_backward),
}
LETTER = {"input": "i", "forget": "f", "candidate": "g", "output": "o"}
# The course exercises (course/exercises.py) that write each gate's forward and backward.
FORWARD_EXERCISE = {"forget": 1, "input": 2, "candidate": 3, "output": 4}
BACKWARD_EXERCISE = {"forget": 5, "input": 6, "candidate": 7, "output": 8}


def gate_inputs(xp, gate, dtype=np.float64):
    """x, prev_h and the gate's own block of the golden step's weights (tests/golden/__init__.py)."""
    x, h0, _, Wx, Wh, b = linspace_lstm_inputs()
    columns = lstm.gate_columns(LETTER[gate], h0.shape[1])
    values = {"x": x[:, 1], "prev_h": h0, "Wx": Wx[:, columns], "Wh": Wh[:, columns], "b": b[columns]}
    return {name: xp.asarray(np.ascontiguousarray(value), dtype=dtype) for name, value in values.items()}


def golden_cache(xp, gate, dtype=np.float64):
    """The cache the gate's forward documents, ((x, prev_h, Wx, Wh), value), from stored values:
    the backward passes are graded from it, whatever the gate's forward (another exercise) does."""
    inputs = gate_inputs(xp, gate, dtype)
    value = xp.asarray(golden(f"lstm_step_{LETTER[gate]}"), dtype=dtype)
    return (inputs["x"], inputs["prev_h"], inputs["Wx"], inputs["Wh"]), value


@pytest.mark.parametrize("gate", [
    pytest.param(gate, marks=pytest.mark.exercise(BACKWARD_EXERCISE[gate])) for gate in GATE_PAIRS
])
def test_gate_gradients(xp, gate):
    _, backward = GATE_PAIRS[gate]
    gradients = backward(xp.asarray(golden("lstm_gate_upstream")), golden_cache(xp, gate))
    errors = golden_gradient_errors(gradients, f"lstm_gate_{LETTER[gate]}_", ("x", "prev_h", "Wx", "Wh", "b"))
    assert_gradients_close(errors, 1e-7)


@pytest.mark.parametrize("gate", [
    pytest.param(gate, marks=pytest.mark.exercise(BACKWARD_EXERCISE[gate])) for gate in GATE_PAIRS
])
def test_gate_backward_keeps_float32(xp, gate):
    _, backward = GATE_PAIRS[gate]
    cache = golden_cache(xp, gate, np.float32)
    grads = backward(xp.ones_like(cache[1]), cache)
    assert [g.shape for g in grads] == [v.shape for v in gate_inputs(xp, gate).values()]
    assert {g.dtype for g in grads} == {np.dtype(np.float32)}


@pytest.mark.parametrize("gate", [
    pytest.param(gate, marks=pytest.mark.needs_exercises(FORWARD_EXERCISE[gate], BACKWARD_EXERCISE[gate]))
    for gate in GATE_PAIRS
])
def test_gate_forward_and_backward_together(xp, gate):
    forward, backward = GATE_PAIRS[gate]
    assert_gradients_close(check_layer(forward, backward, gate_inputs(xp, gate)), 1e-7)


@pytest.mark.parametrize("gate", [
    pytest.param(gate, marks=pytest.mark.exercise(FORWARD_EXERCISE[gate])) for gate in GATE_PAIRS
])
def test_gate_values_match_the_golden_values_and_the_cache_is_as_documented(xp, gate):
    forward, _ = GATE_PAIRS[gate]
    inputs = list(gate_inputs(xp, gate).values())
    value, cache = forward(*inputs)
    assert rel_error(value, golden(f"lstm_step_{LETTER[gate]}")) < 1e-14
    (x, prev_h, Wx, Wh), cached_value = cache
    assert all(a is b for a, b in zip((x, prev_h, Wx, Wh), inputs[:4])), "the cache holds the inputs"
    assert cached_value is value
    value32, _ = forward(*(v.astype(np.float32) for v in inputs))
    assert value32.dtype == np.float32


@pytest.mark.exercise(9)
def test_cell_state_update(xp):
    rng = np.random.default_rng(3)
    f, prev_c, i, g = (xp.asarray(rng.uniform(-1, 1, (2, 3))) for _ in range(4))
    c, _ = lstm.cell_state_forward(f, prev_c, i, g)
    assert rel_error(c, f * prev_c + i * g) < 1e-15
    errors = check_layer(lstm.cell_state_forward, lstm.cell_state_backward,
                         {"f": f, "prev_c": prev_c, "i": i, "g": g})
    assert_gradients_close(errors, 1e-7)
    _, cache = lstm.cell_state_forward(*(v.astype(np.float32) for v in (f, prev_c, i, g)))
    grads = lstm.cell_state_backward(xp.ones((2, 3), dtype=np.float32), cache)
    assert {g.dtype for g in grads} == {np.dtype(np.float32)} and len(grads) == 4


def test_forget_gate_of_zero_erases_and_one_keeps(xp):
    prev_c = xp.asarray([[2.0, -3.0]])
    zeros, ones = xp.zeros((1, 2)), xp.ones((1, 2))
    erased, _ = lstm.cell_state_forward(zeros, prev_c, zeros, ones)
    kept, _ = lstm.cell_state_forward(ones, prev_c, zeros, ones)
    assert float(abs(erased).max()) == 0.0
    assert rel_error(kept, prev_c) == 0.0


@pytest.mark.exercise(10)
def test_hidden_output(xp):
    rng = np.random.default_rng(4)
    o, c = xp.asarray(rng.uniform(0, 1, (2, 3))), xp.asarray(rng.uniform(-2, 2, (2, 3)))
    h, _ = lstm.hidden_output_forward(o, c)
    assert rel_error(h, o * xp.tanh(c)) < 1e-15
    errors = check_layer(lstm.hidden_output_forward, lstm.hidden_output_backward, {"o": o, "c": c})
    assert_gradients_close(errors, 1e-7)
    _, cache = lstm.hidden_output_forward(o.astype(np.float32), c.astype(np.float32))
    grads = lstm.hidden_output_backward(xp.ones((2, 3), dtype=np.float32), cache)
    assert {g.dtype for g in grads} == {np.dtype(np.float32)} and len(grads) == 2


@pytest.mark.exercise(24)
def test_gate_affine(xp):
    errors = check_layer(lstm.gate_affine_forward, lstm.gate_affine_backward, gate_inputs(xp, "forget"))
    assert_gradients_close(errors, 1e-7)
    inputs = list(gate_inputs(xp, "forget", np.float32).values())
    a, cache = lstm.gate_affine_forward(*inputs)
    grads = lstm.gate_affine_backward(xp.ones_like(a), cache)
    assert [g.shape for g in grads] == [v.shape for v in inputs]
    assert {g.dtype for g in grads} == {np.dtype(np.float32)}


def test_gate_layout_is_pytorchs_order():
    assert lstm.GATES == ("i", "f", "g", "o")
    assert lstm.gate_columns("g", 5) == slice(10, 15)
    with pytest.raises(ValueError, match="unknown gate 'z'"):
        lstm.gate_columns("z", 5)
