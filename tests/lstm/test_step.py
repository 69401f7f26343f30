"""One LSTM step: gate by gate and fused, against golden values and each other."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden
from tests.golden.inputs import linspace_lstm_inputs

STEPS = {
    "gate_by_gate": (lstm.lstm_step_forward, lstm.lstm_step_backward),
    "fused": (lstm.lstm_step_forward_fused, lstm.lstm_step_backward_fused),
    "exercise_11": (lstm.lstm_step_forward_fused, lstm.lstm_step_backward),
}
# The course exercises each path runs: the gate-by-gate step calls the four gate forwards (1-4),
# its backward is exercise 11; the fused backward is state_update_backward (12) and gate_affine_backward (24).
# Exercise 11 is graded against the fused forward, whose cache has the same entries: so its grade
# depends on its own body alone.
GATE_FORWARDS = (1, 2, 3, 4)
FORWARD_PATHS = [pytest.param("gate_by_gate", marks=pytest.mark.needs_exercises(*GATE_FORWARDS)), "fused"]
BACKWARD_PATHS = [
    pytest.param("exercise_11", marks=pytest.mark.exercise(11)),
    pytest.param("gate_by_gate", marks=pytest.mark.needs_exercises(*GATE_FORWARDS, 11)),
    pytest.param("fused", marks=pytest.mark.needs_exercises(12, 24)),
]


def step_inputs(xp, dtype=np.float64):
    x, h0, c0, Wx, Wh, b = linspace_lstm_inputs()
    values = {"x": x[:, 1], "prev_h": h0, "prev_c": c0, "Wx": Wx, "Wh": Wh, "b": b}
    return {name: xp.asarray(np.ascontiguousarray(v), dtype=dtype) for name, v in values.items()}


@pytest.mark.parametrize("path", FORWARD_PATHS)
def test_step_golden_values(xp, path):
    forward, _ = STEPS[path]
    inputs = step_inputs(xp)
    next_h, next_c, cache = forward(*inputs.values())
    assert rel_error(next_h, golden("lstm_step_h")) < 1e-14
    assert rel_error(next_c, golden("lstm_step_c")) < 1e-14
    for name in lstm.GATES:
        assert rel_error(cache[name], golden(f"lstm_step_{name}")) < 1e-14, name
    assert rel_error(cache["h"], next_h) == 0.0 and rel_error(cache["c"], next_c) == 0.0


@pytest.mark.needs_exercises(*GATE_FORWARDS)
def test_a_wrong_gate_order_would_be_caught(xp):
    # The golden test relies on the gates reacting differently to their blocks:
    # swapping two blocks of the weights must change the result.
    inputs = step_inputs(np)
    H = inputs["prev_h"].shape[1]
    swap = np.r_[H : 2 * H, 0:H, 2 * H : 4 * H]
    swapped = {**inputs, "Wx": inputs["Wx"][:, swap], "Wh": inputs["Wh"][:, swap], "b": inputs["b"][swap]}
    h_swapped, _, _ = lstm.lstm_step_forward(*(xp.asarray(v) for v in swapped.values()))
    assert rel_error(h_swapped, golden("lstm_step_h")) > 1e-3


@pytest.mark.parametrize("path", BACKWARD_PATHS)
def test_step_gradients(xp, path):
    forward, backward = STEPS[path]
    errors = check_layer(forward, backward, step_inputs(xp))
    assert set(errors) == {"x", "prev_h", "prev_c", "Wx", "Wh", "b"}
    assert_gradients_close(errors, 1e-7)


@pytest.mark.needs_exercises(*GATE_FORWARDS, 11, 12, 24)
def test_fused_equals_gate_by_gate(xp):
    inputs = step_inputs(xp)
    rng = np.random.default_rng(0)
    dnext_h = xp.asarray(rng.standard_normal(inputs["prev_h"].shape))
    dnext_c = xp.asarray(rng.standard_normal(inputs["prev_h"].shape))
    *fused_out, fused_cache = lstm.lstm_step_forward_fused(*inputs.values())
    *gate_out, gate_cache = lstm.lstm_step_forward(*inputs.values())
    for a, b in zip(fused_out, gate_out, strict=True):
        assert rel_error(a, b) < 1e-12
    fused_grads = lstm.lstm_step_backward_fused(dnext_h, dnext_c, fused_cache)
    gate_grads = lstm.lstm_step_backward(dnext_h, dnext_c, gate_cache)
    for a, b in zip(fused_grads, gate_grads, strict=True):
        assert rel_error(a, b) < 1e-12


@pytest.mark.parametrize("path", BACKWARD_PATHS)
def test_step_keeps_float32(xp, path):
    forward, backward = STEPS[path]
    inputs = step_inputs(xp, np.float32)
    next_h, next_c, cache = forward(*inputs.values())
    grads = backward(next_h, next_c, cache)
    assert {a.dtype for a in (next_h, next_c, *grads)} == {np.dtype(np.float32)}
    assert [g.shape for g in grads] == [v.shape for v in inputs.values()]
