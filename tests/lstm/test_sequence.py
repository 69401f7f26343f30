"""Whole sequences: backprop through time, against steps and golden values."""

import numpy as np
import pytest

import lstm
import lstm.fused
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden
from tests.golden.inputs import linspace_lstm_inputs


def sequence_inputs(xp, dtype=np.float64, **sizes):
    return [xp.asarray(v, dtype=dtype) for v in linspace_lstm_inputs(**sizes)]


def test_sequence_golden_values(xp):
    x, h0, c0, Wx, Wh, b = sequence_inputs(xp)
    h, cache = lstm.lstm_forward_with_cell(x, h0, c0, Wx, Wh, b)
    assert rel_error(h, golden("lstm_h")) < 1e-14
    assert rel_error(cache["c"], golden("lstm_c")) < 1e-14
    h_zero_c, _ = lstm.lstm_forward(x, h0, Wx, Wh, b)
    assert rel_error(h_zero_c, golden("lstm_h_from_zero_c")) < 1e-14


@pytest.mark.needs_exercises(1, 2, 3, 4)  # lstm_step_forward
def test_cache_holds_every_gate_per_step(xp):
    x, h0, c0, Wx, Wh, b = sequence_inputs(xp)
    N, T, H = x.shape[0], x.shape[1], h0.shape[1]
    _, cache = lstm.lstm_forward_with_cell(x, h0, c0, Wx, Wh, b)
    prev_h, prev_c = h0, c0
    for t in range(T):
        prev_h, prev_c, step = lstm.lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        for name in ("i", "f", "g", "o", "c", "h"):
            assert cache[name].shape == (N, T, H)
            assert rel_error(cache[name][:, t], step[name]) < 1e-12, (name, t)


@pytest.mark.exercise(12)
def test_sequence_gradients(xp):
    x, h0, c0, Wx, Wh, b = sequence_inputs(xp, N=2, T=3, D=3, H=4)
    inputs = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}
    errors = check_layer(lstm.lstm_forward, lstm.lstm_backward, inputs)
    assert_gradients_close(errors, 1e-7)
    with_cell = {"x": x, "h0": h0, "c0": c0, "Wx": Wx, "Wh": Wh, "b": b}
    errors = check_layer(lstm.lstm_forward_with_cell, lstm.lstm_backward_with_cell, with_cell)
    assert set(errors) == set(with_cell)
    assert_gradients_close(errors, 1e-7)


@pytest.mark.needs_exercises(1, 2, 3, 4, 11, 12)  # the gate-by-gate steps, forward and backward
def test_whole_sequence_equals_step_by_step(xp):
    x, h0, c0, Wx, Wh, b = sequence_inputs(xp)
    N, T, _ = x.shape
    dh = xp.asarray(np.random.default_rng(0).standard_normal((N, T, h0.shape[1])))
    h, cache = lstm.lstm_forward_with_cell(x, h0, c0, Wx, Wh, b)
    dx, dh0, dc0, dWx, dWh, db = lstm.lstm_backward_with_cell(dh, cache)

    caches, prev_h, prev_c = [], h0, c0
    for t in range(T):
        prev_h, prev_c, step_cache = lstm.lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        assert rel_error(h[:, t], prev_h) < 1e-12
        caches.append(step_cache)
    dnext_h, dnext_c = xp.zeros_like(h0), xp.zeros_like(c0)
    step_dx, step_dWx, step_dWh, step_db = [None] * T, 0, 0, 0
    for t in reversed(range(T)):
        step_dx[t], dnext_h, dnext_c, dWx_t, dWh_t, db_t = lstm.lstm_step_backward(
            dh[:, t] + dnext_h, dnext_c, caches[t]
        )
        step_dWx, step_dWh, step_db = step_dWx + dWx_t, step_dWh + dWh_t, step_db + db_t
    assert rel_error(dx, xp.stack(step_dx, axis=1)) < 1e-12
    for a, b in [(dh0, dnext_h), (dc0, dnext_c), (dWx, step_dWx), (dWh, step_dWh), (db, step_db)]:
        assert rel_error(a, b) < 1e-12


@pytest.mark.exercise(12)
def test_sequence_keeps_float32_and_the_shapes(xp):
    x, h0, _, Wx, Wh, b = sequence_inputs(xp, np.float32)
    h, cache = lstm.lstm_forward(x, h0, Wx, Wh, b)
    grads = lstm.lstm_backward(h, cache)
    assert {a.dtype for a in (h, *grads)} == {np.dtype(np.float32)}
    assert [g.shape for g in grads] == [v.shape for v in (x, h0, Wx, Wh, b)]
    assert grads[0].flags.c_contiguous  # callers reshape dx without a copy


@pytest.mark.exercise(12)
def test_one_steps_cell_backward_against_central_differences(xp):
    # state_update_backward alone: from the pre-activations a (N, 4H) and prev_c to next_h and next_c.
    rng = np.random.default_rng(3)
    N, H = 3, 4

    def forward(a, prev_c):
        gates = lstm.fused.activate_gates(a.copy())
        next_h, next_c, tanh_c = lstm.fused.state_update_forward(gates, prev_c)
        return xp.concatenate([next_h, next_c], axis=1), (gates, prev_c, tanh_c)

    def backward(dout, cache):
        gates, prev_c, tanh_c = cache
        return lstm.fused.state_update_backward(dout[:, :H], dout[:, H:], gates, prev_c, tanh_c)

    inputs = {"a": xp.asarray(rng.standard_normal((N, 4 * H))),
              "prev_c": xp.asarray(rng.standard_normal((N, H)))}
    assert_gradients_close(check_layer(forward, backward, inputs), 1e-7)
