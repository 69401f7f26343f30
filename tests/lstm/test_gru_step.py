"""One GRU step: gate by gate and fused, against golden values and each other."""

import numpy as np
import pytest

import lstm
from lstm.gru_fused import activate_gru_gates
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden, golden_gradient_errors
from tests.golden.inputs import linspace_gru_inputs

STEPS = {
    "gate_by_gate": (lstm.gru_step_forward, lstm.gru_step_backward),
    "fused": (lstm.gru_step_forward_fused, lstm.gru_step_backward_fused),
}
# Both steps' forward passes are course exercise 19 (the fused one through activate_gru_gates), both
# backward passes exercise 20 (the fused one through gru_cell_backward). Exercise 20 is graded from a
# cache made of stored golden values, so that its grade does not depend on exercise 19.
FORWARD_PATHS = [pytest.param(path, marks=pytest.mark.exercise(19)) for path in STEPS]
BACKWARD_PATHS = [pytest.param(path, marks=pytest.mark.exercise(20)) for path in STEPS]
GRADIENT_NAMES = ("x", "prev_h", "Wx", "Wh", "bx", "bh")


def step_inputs(xp, dtype=np.float64):
    x, h0, Wx, Wh, bx, bh = linspace_gru_inputs()
    values = {"x": x[:, 1], "prev_h": h0, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh}
    return {name: xp.asarray(np.ascontiguousarray(v), dtype=dtype) for name, v in values.items()}


def golden_cache(xp, dtype=np.float64):
    """The cache of either forward pass (both backward passes read it), from the stored golden step."""
    inputs = step_inputs(xp, dtype)
    parts = {name: xp.asarray(golden(f"gru_step_{name}"), dtype=dtype) for name in ("r", "z", "n", "h", "hn")}
    gates = xp.concatenate([parts[name] for name in lstm.GRU_GATES], axis=1)
    return {**parts, "gates": gates, "x": inputs["x"], "prev_h": inputs["prev_h"], "Wx": inputs["Wx"],
            "Wh": inputs["Wh"]}


@pytest.mark.parametrize("path", FORWARD_PATHS)
def test_step_golden_values(xp, path):
    forward, _ = STEPS[path]
    inputs = step_inputs(xp)
    next_h, cache = forward(*inputs.values())
    assert rel_error(next_h, golden("gru_step_h")) < 1e-14
    for name in (*lstm.GRU_GATES, "hn"):
        assert cache[name].shape == next_h.shape
        assert rel_error(cache[name], golden(f"gru_step_{name}")) < 1e-14, name
    assert rel_error(cache["h"], next_h) == 0.0
    assert all(cache[name] is inputs[name] for name in ("x", "prev_h", "Wx", "Wh")), "the cache holds inputs"


@pytest.mark.needs_exercises(19)
def test_a_wrong_gate_order_would_be_caught(xp):
    # The golden test relies on the parts reacting differently to their blocks:
    # handing the reset gate's weights to the update gate and back must change the result.
    inputs = step_inputs(np)
    H = inputs["prev_h"].shape[1]
    swap = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    swapped = {name: (value[..., swap] if name[0] in "Wb" else value) for name, value in inputs.items()}
    h_swapped, _ = lstm.gru_step_forward(*(xp.asarray(v) for v in swapped.values()))
    assert rel_error(h_swapped, golden("gru_step_h")) > 1e-3


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
    _, backward = STEPS[path]
    gradients = backward(xp.asarray(golden("gru_upstream")), golden_cache(xp))
    assert_gradients_close(golden_gradient_errors(gradients, "gru_step_", GRADIENT_NAMES), 1e-7)


@pytest.mark.parametrize("path", STEPS)
@pytest.mark.needs_exercises(19, 20)
def test_forward_and_backward_together(xp, path):
    forward, backward = STEPS[path]
    errors = check_layer(forward, backward, step_inputs(xp))
    assert set(errors) == set(GRADIENT_NAMES)
    assert_gradients_close(errors, 1e-7)


@pytest.mark.needs_exercises(19)
def test_fused_forward_equals_gate_by_gate(xp):
    inputs = step_inputs(xp)
    fused_h, fused_cache = lstm.gru_step_forward_fused(*inputs.values())
    gate_h, gate_cache = lstm.gru_step_forward(*inputs.values())
    assert rel_error(fused_h, gate_h) < 1e-12
    for name in (*lstm.GRU_GATES, "hn", "x", "prev_h", "Wx", "Wh"):
        assert rel_error(fused_cache[name], gate_cache[name]) < 1e-12, name


@pytest.mark.exercise(20)
def test_fused_backward_equals_gate_by_gate(xp):
    cache = golden_cache(xp)
    dnext_h = xp.asarray(np.random.default_rng(0).standard_normal(cache["h"].shape))
    fused_grads = lstm.gru_step_backward_fused(dnext_h, cache)
    gate_grads = lstm.gru_step_backward(dnext_h, cache)
    for name, a, b in zip(GRADIENT_NAMES, fused_grads, gate_grads, strict=True):
        assert rel_error(a, b) < 1e-12, name


@pytest.mark.parametrize("path", BACKWARD_PATHS)
def test_step_backward_keeps_float32(xp, path):
    _, backward = STEPS[path]
    cache = golden_cache(xp, np.float32)
    grads = backward(xp.ones_like(cache["h"]), cache)
    assert {a.dtype for a in grads} == {np.dtype(np.float32)}
    assert [g.shape for g in grads] == [v.shape for v in step_inputs(xp).values()]


@pytest.mark.parametrize("path", FORWARD_PATHS)
def test_step_forward_keeps_float32(xp, path):
    forward, _ = STEPS[path]
    next_h, cache = forward(*step_inputs(xp, np.float32).values())
    parts = [cache[name] for name in (*lstm.GRU_GATES, "hn")]
    assert {a.dtype for a in (next_h, *parts)} == {np.dtype(np.float32)}


@pytest.mark.exercise(19)
def test_activate_gru_gates_works_in_place(xp):
    # The sequence layer hands it each step's slice of one (N, T, 3H) buffer and reads that buffer.
    inputs = step_inputs(xp)
    ax = inputs["x"] @ inputs["Wx"] + inputs["bx"]
    ah = inputs["prev_h"] @ inputs["Wh"] + inputs["bh"]
    ah_before = ah.copy()
    returned = activate_gru_gates(ax, ah)
    assert returned is ax
    for name in lstm.GRU_GATES:
        assert rel_error(lstm.gru_gate_block(ax, name), golden(f"gru_step_{name}")) < 1e-14, name
    assert rel_error(ah, ah_before) == 0.0, "ah is read only"
