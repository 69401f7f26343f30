"""Each gate, the cell-state update and the hidden output, on their own."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.lstm.reference import logistic

GATE_PAIRS = {
    "input": (lstm.input_gate_forward, lstm.input_gate_backward, logistic),
    "forget": (lstm.forget_gate_forward, lstm.forget_gate_backward, logistic),
    "candidate": (lstm.candidate_gate_forward, lstm.candidate_gate_backward, np.tanh),
    "output": (lstm.output_gate_forward, lstm.output_gate_backward, logistic),
}
# The course exercises (course/exercises.py) that write each gate's forward and backward.
FORWARD_EXERCISE = {"forget": 1, "input": 2, "candidate": 3, "output": 4}
BACKWARD_EXERCISE = {"forget": 5, "input": 6, "candidate": 7, "output": 8}


def gate_inputs(xp, rng, N=3, D=4, H=5):
    return {
        "x": xp.asarray(rng.standard_normal((N, D))),
        "prev_h": xp.asarray(rng.standard_normal((N, H))),
        "Wx": xp.asarray(rng.standard_normal((D, H)) * 0.5),
        "Wh": xp.asarray(rng.standard_normal((H, H)) * 0.5),
        "b": xp.asarray(rng.standard_normal(H) * 0.5),
    }


@pytest.mark.parametrize("gate", [
    pytest.param(gate, marks=[pytest.mark.exercise(BACKWARD_EXERCISE[gate]),
                              pytest.mark.needs_exercises(FORWARD_EXERCISE[gate])])
    for gate in GATE_PAIRS
])
def test_gate_gradients(xp, gate):
    forward, backward, _ = GATE_PAIRS[gate]
    errors = check_layer(forward, backward, gate_inputs(xp, np.random.default_rng(1)))
    assert set(errors) == {"x", "prev_h", "Wx", "Wh", "b"}
    assert_gradients_close(errors, 1e-7)


@pytest.mark.parametrize("gate", [
    pytest.param(gate, marks=pytest.mark.exercise(FORWARD_EXERCISE[gate])) for gate in GATE_PAIRS
])
def test_gate_values_match_the_textbook_formula(xp, gate):
    forward, _, squash = GATE_PAIRS[gate]
    host = gate_inputs(np, np.random.default_rng(2))
    value, _ = forward(*(xp.asarray(v) for v in host.values()))
    concatenated = np.hstack([host["prev_h"], host["x"]]) @ np.vstack([host["Wh"], host["Wx"]])
    assert rel_error(value, squash(concatenated + host["b"])) < 1e-14


@pytest.mark.exercise(9)
def test_cell_state_update(xp):
    rng = np.random.default_rng(3)
    f, prev_c, i, g = (xp.asarray(rng.uniform(-1, 1, (2, 3))) for _ in range(4))
    c, _ = lstm.cell_state_forward(f, prev_c, i, g)
    assert rel_error(c, f * prev_c + i * g) < 1e-15
    errors = check_layer(lstm.cell_state_forward, lstm.cell_state_backward,
                         {"f": f, "prev_c": prev_c, "i": i, "g": g})
    assert_gradients_close(errors, 1e-7)


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


@pytest.mark.exercise(24)
def test_gate_affine(xp):
    errors = check_layer(lstm.gate_affine_forward, lstm.gate_affine_backward,
                         gate_inputs(xp, np.random.default_rng(5)))
    assert_gradients_close(errors, 1e-7)


def test_gate_layout_is_pytorchs_order():
    assert lstm.GATES == ("i", "f", "g", "o")
    assert lstm.gate_columns("g", 5) == slice(10, 15)
    with pytest.raises(ValueError, match="unknown gate 'z'"):
        lstm.gate_columns("z", 5)
