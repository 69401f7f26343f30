"""The GRU over whole sequences: backprop through time, against steps and golden values.

The sequence runs the fused step: its forward pass is course exercise 19, its backward 20.
"""

import numpy as np
import pytest

import lstm
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden
from tests.golden.inputs import linspace_gru_inputs


def sequence_inputs(xp, dtype=np.float64, **sizes):
    return [xp.asarray(v, dtype=dtype) for v in linspace_gru_inputs(**sizes)]


@pytest.mark.needs_exercises(19)
def test_sequence_golden_values(xp):
    h, cache = lstm.gru_forward(*sequence_inputs(xp))
    assert rel_error(h, golden("gru_h")) < 1e-14
    assert rel_error(cache["h"], golden("gru_h")) < 1e-14
    for name in lstm.GRU_GATES:
        assert rel_error(cache[name], golden(f"gru_{name}")) < 1e-14, name


@pytest.mark.needs_exercises(19)
def test_cache_holds_every_gate_per_step(xp):
    x, h0, Wx, Wh, bx, bh = sequence_inputs(xp)
    N, T, H = x.shape[0], x.shape[1], h0.shape[1]
    _, cache = lstm.gru_forward(x, h0, Wx, Wh, bx, bh)
    prev_h = h0
    for t in range(T):
        prev_h, step = lstm.gru_step_forward(x[:, t], prev_h, Wx, Wh, bx, bh)
        for name in ("r", "z", "n", "h"):
            assert cache[name].shape == (N, T, H)
            assert rel_error(cache[name][:, t], step[name]) < 1e-12, (name, t)


@pytest.mark.needs_exercises(19, 20)
def test_sequence_gradients(xp):
    x, h0, Wx, Wh, bx, bh = sequence_inputs(xp, N=2, T=3, D=3, H=4)
    inputs = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "bx": bx, "bh": bh}
    errors = check_layer(lstm.gru_forward, lstm.gru_backward, inputs)
    assert set(errors) == set(inputs)
    assert_gradients_close(errors, 1e-7)


@pytest.mark.parametrize("step", [
    pytest.param("gate_by_gate", marks=pytest.mark.needs_exercises(19, 20)),
    pytest.param("fused", marks=pytest.mark.needs_exercises(19, 20))])
def test_whole_sequence_equals_step_by_step(xp, step):
    forward, backward = {"gate_by_gate": (lstm.gru_step_forward, lstm.gru_step_backward),
                         "fused": (lstm.gru_step_forward_fused, lstm.gru_step_backward_fused)}[step]
    x, h0, Wx, Wh, bx, bh = sequence_inputs(xp)
    N, T, _ = x.shape
    dh = xp.asarray(np.random.default_rng(0).standard_normal((N, T, h0.shape[1])))
    h, cache = lstm.gru_forward(x, h0, Wx, Wh, bx, bh)
    dx, dh0, dWx, dWh, dbx, dbh = lstm.gru_backward(dh, cache)

    caches, prev_h = [], h0
    for t in range(T):
        prev_h, step_cache = forward(x[:, t], prev_h, Wx, Wh, bx, bh)
        assert rel_error(h[:, t], prev_h) < 1e-12
        caches.append(step_cache)
    dnext_h = xp.zeros_like(h0)
    step_dx, sums = [None] * T, [0, 0, 0, 0]
    for t in reversed(range(T)):
        step_dx[t], dnext_h, *weight_grads = backward(dh[:, t] + dnext_h, caches[t])
        sums = [total + grad for total, grad in zip(sums, weight_grads, strict=True)]
    assert rel_error(dx, xp.stack(step_dx, axis=1)) < 1e-12
    assert rel_error(dh0, dnext_h) < 1e-12
    for name, a, b in zip(("dWx", "dWh", "dbx", "dbh"), (dWx, dWh, dbx, dbh), sums, strict=True):
        assert rel_error(a, b) < 1e-12, name


@pytest.mark.needs_exercises(19, 20)
def test_sequence_keeps_float32(xp):
    h, cache = lstm.gru_forward(*sequence_inputs(xp, np.float32))
    grads = lstm.gru_backward(h, cache)
    assert {a.dtype for a in (h, *grads)} == {np.dtype(np.float32)}


@pytest.mark.needs_exercises(19)
def test_sequence_from_a_given_state_continues_a_longer_one(xp):
    # What a decoder relies on: running T steps, then T' more from the last hidden state,
    # gives the states of one run of T + T' steps.
    x, h0, Wx, Wh, bx, bh = sequence_inputs(xp)
    whole, _ = lstm.gru_forward(x, h0, Wx, Wh, bx, bh)
    first, _ = lstm.gru_forward(x[:, :2], h0, Wx, Wh, bx, bh)
    rest, _ = lstm.gru_forward(x[:, 2:], first[:, -1], Wx, Wh, bx, bh)
    assert rel_error(xp.concatenate([first, rest], axis=1), whole) < 1e-15
