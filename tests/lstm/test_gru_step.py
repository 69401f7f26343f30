"""One GRU step: gate by gate and fused, against a naive reference and each other."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.lstm.gru_reference import linspace_gru_inputs, naive_gru_step

STEPS = {
    "gate_by_gate": (lstm.gru_step_forward, lstm.gru_step_backward),
    "fused": (lstm.gru_step_forward_fused, lstm.gru_step_backward_fused),
}
# The gate-by-gate step's forward is course exercise 19; both steps' backward passes are exercise
# 20 (the fused one through gru_cell_backward). Exercise 20's tests read the fused forward's
# cache, which holds everything gru_step_backward reads, so that they do not need exercise 19.
FORWARD_PATHS = [pytest.param("gate_by_gate", marks=pytest.mark.exercise(19)), "fused"]
BACKWARD_STEPS = {
    "gate_by_gate": (lstm.gru_step_forward_fused, lstm.gru_step_backward),
    "fused": (lstm.gru_step_forward_fused, lstm.gru_step_backward_fused),
}
BACKWARD_PATHS = [pytest.param(path, marks=pytest.mark.exercise(20)) for path in BACKWARD_STEPS]


def step_inputs(xp, dtype=np.float64):
    x, h0, Wx, Wh, bx, bh = linspace_gru_inputs()
    values = {"x": x[:, 1], "prev_h": h0, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh}
    return {name: xp.asarray(np.ascontiguousarray(v), dtype=dtype) for name, v in values.items()}


@pytest.mark.parametrize("path", FORWARD_PATHS)
def test_step_golden_values(xp, path):
    forward, _ = STEPS[path]
    next_h, cache = forward(*step_inputs(xp).values())
    expected_h, expected_gates = naive_gru_step(*step_inputs(np).values())
    assert rel_error(next_h, expected_h) < 1e-14
    for name in lstm.GRU_GATES:
        assert cache[name].shape == next_h.shape
        assert rel_error(cache[name], expected_gates[name]) < 1e-14, name
    assert rel_error(cache["h"], next_h) == 0.0


@pytest.mark.needs_exercises(19)
def test_a_wrong_gate_order_would_be_caught(xp):
    # The golden test relies on the parts reacting differently to their blocks:
    # handing the reset gate's weights to the update gate and back must change the result.
    inputs = step_inputs(np)
    H = inputs["prev_h"].shape[1]
    swap = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    swapped = {name: (value[..., swap] if name[0] in "Wb" else value) for name, value in inputs.items()}
    h_right, _ = naive_gru_step(*inputs.values())
    h_swapped, _ = lstm.gru_step_forward(*(xp.asarray(v) for v in swapped.values()))
    assert rel_error(h_swapped, h_right) > 1e-3


@pytest.mark.needs_exercises(19)
def test_the_two_biases_of_the_candidate_are_not_interchangeable(xp):
    # bh_n sits inside the bracket that r scales: moving it into bx_n changes n, so the GRU
    # cannot keep one bias as the LSTM does. (For r and z only the sum matters.)
    inputs = step_inputs(np)
    moved = {**inputs, "bx": inputs["bx"] + inputs["bh"], "bh": np.zeros_like(inputs["bh"])}
    _, cache = lstm.gru_step_forward(*(xp.asarray(v) for v in inputs.values()))
    _, moved_cache = lstm.gru_step_forward(*(xp.asarray(v) for v in moved.values()))
    assert rel_error(moved_cache["n"], cache["n"]) > 1e-3
    for name in ("r", "z"):
        assert rel_error(moved_cache[name], cache[name]) < 1e-15


@pytest.mark.parametrize("path", BACKWARD_PATHS)
def test_step_gradients(xp, path):
    forward, backward = BACKWARD_STEPS[path]
    errors = check_layer(forward, backward, step_inputs(xp))
    assert set(errors) == {"x", "prev_h", "Wx", "Wh", "bx", "bh"}
    assert_gradients_close(errors, 1e-7)


@pytest.mark.exercise(19)
def test_fused_forward_equals_gate_by_gate(xp):
    inputs = step_inputs(xp)
    fused_h, fused_cache = lstm.gru_step_forward_fused(*inputs.values())
    gate_h, gate_cache = lstm.gru_step_forward(*inputs.values())
    assert rel_error(fused_h, gate_h) < 1e-12
    for name in (*lstm.GRU_GATES, "hn", "x", "prev_h", "Wx", "Wh"):
        assert rel_error(fused_cache[name], gate_cache[name]) < 1e-12, name


@pytest.mark.exercise(20)
def test_fused_backward_equals_gate_by_gate(xp):
    inputs = step_inputs(xp)
    dnext_h = xp.asarray(np.random.default_rng(0).standard_normal(inputs["prev_h"].shape))
    _, cache = lstm.gru_step_forward_fused(*inputs.values())
    fused_grads = lstm.gru_step_backward_fused(dnext_h, cache)
    gate_grads = lstm.gru_step_backward(dnext_h, cache)
    names = ("dx", "dprev_h", "dWx", "dWh", "dbx", "dbh")
    for name, a, b in zip(names, fused_grads, gate_grads, strict=True):
        assert rel_error(a, b) < 1e-12, name


@pytest.mark.parametrize("path", BACKWARD_PATHS)
def test_step_keeps_float32(xp, path):
    forward, backward = BACKWARD_STEPS[path]
    next_h, cache = forward(*step_inputs(xp, np.float32).values())
    grads = backward(next_h, cache)
    assert {a.dtype for a in (next_h, *grads)} == {np.dtype(np.float32)}
