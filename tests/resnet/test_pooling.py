import numpy as np
import pytest

from numerics import check_layer, rel_error, to_host
from resnet import global_avgpool_backward, global_avgpool_forward, maxpool_backward, maxpool_forward


def naive_maxpool(x, kernel, stride, padding):
    N, H, W, C = x.shape
    H_out, W_out = (H + 2 * padding - kernel) // stride + 1, (W + 2 * padding - kernel) // stride + 1
    out = np.empty((N, H_out, W_out, C))
    for n, r, s, c in np.ndindex(N, H_out, W_out, C):
        rows = range(max(0, r * stride - padding), min(H, r * stride - padding + kernel))
        cols = range(max(0, s * stride - padding), min(W, s * stride - padding + kernel))
        out[n, r, s, c] = max(x[n, i, j, c] for i in rows for j in cols)
    return out


def _distinct(shape, seed=0):
    """Distinct values at least 0.1 apart, so no window has a tie within the check's nudge."""
    values = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape)
    return values * 0.1 - 1.0


POOL_CASES = [  # (x shape, kernel, stride, padding)
    ((2, 7, 6, 3), 3, 2, 1),
    ((1, 8, 8, 2), 3, 2, 1),
    ((1, 5, 7, 2), 2, 2, 0),
    ((1, 6, 5, 1), 3, 1, 1),
]


@pytest.mark.parametrize(("shape", "kernel", "stride", "padding"), POOL_CASES)
def test_maxpool_matches_nested_loops_and_gradient(xp, shape, kernel, stride, padding):
    x = xp.asarray(_distinct(shape))
    out, _ = maxpool_forward(x, kernel, stride, padding)
    assert rel_error(out, naive_maxpool(to_host(x), kernel, stride, padding)) == 0

    def forward(x):
        return maxpool_forward(x, kernel, stride, padding)

    assert check_layer(forward, maxpool_backward, {"x": x})["x"] < 1e-8


def test_maxpool_tie_goes_to_the_first_element_in_row_major_order(xp):
    x = xp.zeros((1, 3, 3, 1))
    x[0, 0, 1, 0] = x[0, 1, 0, 0] = x[0, 2, 2, 0] = 5.0  # three maxima in the one 3x3 window
    out, cache = maxpool_forward(x, 3, 1, 0)
    dx = to_host(maxpool_backward(xp.ones_like(out), cache))
    expected = np.zeros((1, 3, 3, 1))
    expected[0, 0, 1, 0] = 1.0
    assert (dx == expected).all()


def test_maxpool_tie_between_overlapping_windows_counts_each_window_once(xp):
    # A constant image: every window is all ties, each sends its gradient to its own top-left pixel.
    x = xp.ones((1, 4, 4, 1))
    out, cache = maxpool_forward(x, 3, 2, 1)
    dout = xp.asarray(np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1))
    dx = to_host(maxpool_backward(dout, cache))[0, :, :, 0]
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 1], expected[1, 0], expected[1, 1] = 1.0, 2.0, 3.0, 4.0
    assert (dx == expected).all()


def test_global_avgpool_by_hand_and_gradient(xp):
    x = xp.asarray(np.linspace(-1.0, 2.0, 2 * 3 * 5 * 4).reshape(2, 3, 5, 4))
    out, _ = global_avgpool_forward(x)
    hx = to_host(x)
    expected = np.zeros((2, 4))
    for n, i, j, c in np.ndindex(2, 3, 5, 4):
        expected[n, c] += hx[n, i, j, c] / 15
    assert rel_error(out, expected) < 1e-14
    assert check_layer(global_avgpool_forward, global_avgpool_backward, {"x": x})["x"] < 1e-8


def test_float32_stays_float32(xp):
    x = xp.asarray(_distinct((1, 4, 4, 2)), dtype=xp.float32)
    out, cache = maxpool_forward(x)
    pooled, pool_cache = global_avgpool_forward(x)
    dtypes = {out.dtype, maxpool_backward(out, cache).dtype, pooled.dtype}
    assert dtypes | {global_avgpool_backward(pooled, pool_cache).dtype} == {np.dtype(np.float32)}


def test_bad_input_is_named(xp):
    with pytest.raises(ValueError, match=r"x must have shape \(N, H, W, C\), got \(4, 4, 2\)"):
        maxpool_forward(xp.ones((4, 4, 2)))
    with pytest.raises(ValueError, match="padding <= kernel // 2"):
        maxpool_forward(xp.ones((1, 4, 4, 2)), 3, 2, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(N, H, W, C\), got \(2, 8\)"):
        global_avgpool_forward(xp.ones((2, 8)))
    _, cache = maxpool_forward(xp.ones((1, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 2, 2, 2\), got \(1, 2, 2, 3\)"):
        maxpool_backward(xp.ones((1, 2, 2, 3)), cache)
