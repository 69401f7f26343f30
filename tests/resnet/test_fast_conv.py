"""The convolution the model runs (resnet.fast_conv) gives the numbers of its definition (resnet.conv)."""

import numpy as np
import pytest

from numerics import backend, rel_error, to_host
from resnet import conv, fast_conv

# resnet.conv's backward adds d(patches) back with col2im, course exercise 13.
COL2IM = pytest.mark.needs_exercises(13)

CASES = [  # (N, H, W, C_in, C_out, (kH, kW), stride, padding, bias)
    (3, 6, 5, 4, 5, (1, 1), 1, 0, False),
    (2, 7, 6, 3, 4, (1, 1), 2, 0, True),
    (2, 5, 5, 3, 2, (1, 1), 1, 1, False),
    (2, 8, 7, 3, 4, (3, 3), 1, 1, True),
    (2, 8, 7, 3, 4, (3, 3), 2, 1, False),
    (1, 9, 8, 2, 3, (3, 3), 1, 0, False),
    (1, 9, 8, 2, 3, (3, 3), 2, 0, True),
    (1, 6, 6, 2, 3, (3, 3), 1, 2, False),
    (2, 11, 10, 3, 4, (7, 7), 2, 3, False),
    (1, 9, 9, 2, 3, (7, 7), 1, 3, True),
    (1, 8, 8, 2, 2, (5, 5), 3, 2, False),
    (1, 6, 7, 2, 3, (1, 3), 1, 1, True),
]


def case_id(case):
    N, H, W, C_in, C_out, (kH, kW), stride, padding, bias = case
    return f"{kH}x{kW}-s{stride}-p{padding}-{'bias' if bias else 'nobias'}"


def _arrays(xp, case, seed=0):
    N, H, W, C_in, C_out, (kH, kW), stride, padding, bias = case
    rng = np.random.default_rng(seed)
    x = xp.asarray(rng.standard_normal((N, H, W, C_in)))
    w = xp.asarray(rng.standard_normal((C_out, C_in, kH, kW)))
    b = xp.asarray(rng.standard_normal(C_out)) if bias else None
    return x, w, b, stride, padding


def assert_same_gradients(expected, got, tolerance=1e-12):
    """(dx, dw, db) of two backward passes: equal arrays, and None in the same places."""
    for name, want, have in zip(("dx", "dw", "db"), expected, got, strict=True):
        assert (want is None) == (have is None), name
        if want is not None:
            assert have.shape == want.shape, name
            assert rel_error(have, want) < tolerance, name


@COL2IM
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fast_forward_and_every_gradient_equal_the_definition(xp, case):
    x, w, b, stride, padding = _arrays(xp, case)
    expected, cache = conv.conv2d_forward(x, w, b, stride, padding)
    out, fast_cache = fast_conv.conv2d_forward(x, w, b, stride, padding)
    assert out.shape == expected.shape and rel_error(out, expected) < 1e-12
    dout = xp.asarray(np.random.default_rng(1).standard_normal(out.shape))
    grads = conv.conv2d_backward(dout, cache)
    assert_same_gradients(grads, fast_conv.conv2d_backward(dout, fast_cache))
    # Either module's backward takes the other's cache.
    assert_same_gradients(grads, fast_conv.conv2d_backward(dout, cache))
    assert_same_gradients(grads, conv.conv2d_backward(dout, fast_cache))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fused_relu_is_the_relu_of_the_definition(xp, case):
    x, w, b, stride, padding = _arrays(xp, case, seed=2)
    expected, _ = conv.conv2d_forward(x, w, b, stride, padding)
    out, _ = fast_conv.conv2d_relu_forward(x, w, b, stride, padding)
    assert rel_error(out, np.maximum(to_host(expected), 0)) < 1e-12


@COL2IM
@pytest.mark.parametrize("case", [CASES[1], CASES[4], CASES[8]], ids=case_id)
def test_gemm_ordered_weights_and_one_image_per_chunk_change_nothing(xp, monkeypatch, case):
    x, w, b, stride, padding = _arrays(xp, case, seed=3)
    expected, cache = conv.conv2d_forward(x, w, b, stride, padding)
    dout = xp.asarray(np.random.default_rng(4).standard_normal(expected.shape))
    grads = conv.conv2d_backward(dout, cache)
    monkeypatch.setattr(fast_conv, "PATCH_CHUNK_BYTES", 1)
    monkeypatch.setattr(backend, "DEVICE_CHUNK_BYTES", 1)
    out, fast_cache = fast_conv.conv2d_forward(x, fast_conv.gemm_ordered(w), b, stride, padding)
    assert rel_error(out, expected) < 1e-12
    assert_same_gradients(grads, fast_conv.conv2d_backward(dout, fast_cache))


@COL2IM
@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[4]], ids=case_id)
def test_skipping_the_input_gradient_keeps_the_others(xp, case):
    x, w, b, stride, padding = _arrays(xp, case, seed=5)
    out, cache = conv.conv2d_forward(x, w, b, stride, padding)
    dout = xp.asarray(np.random.default_rng(6).standard_normal(out.shape))
    _, dw, db = conv.conv2d_backward(dout, cache)
    assert_same_gradients((None, dw, db), fast_conv.conv2d_backward(dout, cache, input_gradient=False))
