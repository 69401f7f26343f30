"""Properties over random shapes (hypothesis): the paths agree whatever the sizes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lstm
from numerics import rel_error

sizes = st.integers(min_value=1, max_value=5)


def random_lstm(seed, N, T, D, H):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H)),
            rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), N=sizes, T=sizes, D=sizes, H=sizes)
def test_sequence_equals_its_fused_steps(seed, N, T, D, H):
    x, h0, c0, Wx, Wh, b = random_lstm(seed, N, T, D, H)
    h, cache = lstm.lstm_forward_with_cell(x, h0, c0, Wx, Wh, b)
    assert h.shape == (N, T, H)
    prev_h, prev_c = h0, c0
    for t in range(T):
        prev_h, prev_c, _ = lstm.lstm_step_forward_fused(x[:, t], prev_h, prev_c, Wx, Wh, b)
        assert rel_error(h[:, t], prev_h) < 1e-12
    assert rel_error(cache["c"][:, -1], prev_c) < 1e-12


@pytest.mark.needs_exercises(*range(1, 13), 23, 24)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), N=sizes, D=sizes, H=sizes)
def test_fused_step_backward_equals_gate_by_gate(seed, N, D, H):
    x, h0, c0, Wx, Wh, b = random_lstm(seed, N, 1, D, H)
    dh, dc = np.random.default_rng(seed + 1).standard_normal((2, N, H))
    *_, fused_cache = lstm.lstm_step_forward_fused(x[:, 0], h0, c0, Wx, Wh, b)
    *_, gate_cache = lstm.lstm_step_forward(x[:, 0], h0, c0, Wx, Wh, b)
    for a, b in zip(lstm.lstm_step_backward_fused(dh, dc, fused_cache),
                    lstm.lstm_step_backward(dh, dc, gate_cache), strict=True):
        assert rel_error(a, b) < 1e-12


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), N=sizes, T=sizes, V=st.integers(2, 8))
def test_softmax_loss_gradient_rows_sum_to_zero(seed, N, T, V):
    # Each unmasked row of dx is (softmax - onehot) / N, whose entries sum to 0.
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, V)) * 5
    y = rng.integers(0, V, (N, T))
    mask = rng.random((N, T)) < 0.7
    loss, dx = lstm.temporal_softmax_loss(x, y, mask)
    assert loss >= 0
    np.testing.assert_allclose(dx.sum(axis=2), 0, atol=1e-12)
