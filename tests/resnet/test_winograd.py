"""Winograd's F(2x2, 3x3) gives the numbers of the direct convolution, and the fast path uses it
where it pays."""

import numpy as np
import pytest

from numerics import rel_error, to_host
from resnet import conv, fast_conv, winograd


def test_one_dimensional_f2_3_by_hand():
    # Two outputs of a 3-tap correlation from 4 inputs:
    # y0 = d0 g0 + d1 g1 + d2 g2, y1 = d1 g0 + d2 g1 + d3 g2.
    d, g = np.array([2.0, -1.0, 3.0, 5.0]), np.array([0.5, -2.0, 1.5])
    B_T, G, A_T = (np.array(m, dtype=float) for m in (winograd.INPUT_TRANSFORM, winograd.FILTER_TRANSFORM,
                                                        winograd.OUTPUT_TRANSFORM))
    y = A_T @ ((G @ g) * (B_T @ d))
    assert y.tolist() == [2 * 0.5 + -1 * -2 + 3 * 1.5, -1 * 0.5 + 3 * -2 + 5 * 1.5]


def _normal(xp, rng, *shape):
    return xp.asarray(rng.standard_normal(shape))


def test_filter_transform_is_g_g_g_transposed(xp):
    w = np.random.default_rng(0).standard_normal((3, 2, 3, 3))
    G = np.array(winograd.FILTER_TRANSFORM)
    expected = np.einsum("ai,ocij,bj->abco", G, w, G).reshape(16, 2, 3)
    assert rel_error(winograd.transform_filters(xp.asarray(w)), expected) < 1e-15


SHAPES = [  # (N, H, W, C_in, C_out, padding)
    (2, 6, 6, 3, 4, 1),
    (1, 7, 5, 2, 3, 1),
    (3, 9, 8, 2, 5, 0),
    (1, 5, 6, 2, 2, 2),
    (2, 1, 1, 3, 2, 1),
    (1, 3, 4, 2, 2, 0),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_winograd_equals_the_direct_convolution(xp, shape, bias, relu):
    N, H, W, C_in, C_out, padding = shape
    rng = np.random.default_rng(1)
    x, w = _normal(xp, rng, N, H, W, C_in), _normal(xp, rng, C_out, C_in, 3, 3)
    b = xp.asarray(rng.standard_normal(C_out)) if bias else None
    expected = to_host(conv.conv2d_forward(x, w, b, 1, padding)[0])
    out = winograd.conv3x3_forward(x, w, b, padding, relu)
    assert out.shape == expected.shape
    assert rel_error(out, np.maximum(expected, 0) if relu else expected) < 1e-12


def test_one_image_per_chunk_changes_nothing(xp, monkeypatch):
    rng = np.random.default_rng(2)
    x, w = xp.asarray(rng.standard_normal((3, 7, 6, 2))), xp.asarray(rng.standard_normal((4, 2, 3, 3)))
    whole = winograd.conv3x3_forward(x, w, None, 1)
    monkeypatch.setattr(winograd, "CHUNK_BYTES", 1)
    assert rel_error(winograd.conv3x3_forward(x, w, None, 1), whole) < 1e-15


def test_float32_stays_float32_and_close(xp):
    rng = np.random.default_rng(3)
    x = xp.asarray(rng.standard_normal((2, 8, 8, 16)), dtype=xp.float32)
    w = xp.asarray(rng.standard_normal((16, 16, 3, 3)) * 0.1, dtype=xp.float32)
    out = winograd.conv3x3_forward(x, w, None, 1)
    expected, _ = conv.conv2d_forward(x.astype(xp.float64), w.astype(xp.float64), None, 1, 1)
    assert out.dtype == np.float32 and rel_error(out, expected) < 1e-6


def test_it_pays_for_many_channels_and_enough_pixels():
    # ResNet50 at batch 8, 224 x 224: not on layer1's 64 channels, on layer2's and layer3's 3x3
    # convolutions, not on layer4's 7x7 maps (their 2x2 tiles cover 8x8, a quarter wasted).
    assert not winograd.pays(8, 56, 56, 64, 64)
    assert winograd.pays(8, 28, 28, 128, 128) and winograd.pays(8, 14, 14, 256, 256)
    assert not winograd.pays(8, 7, 7, 512, 512)
    assert not winograd.pays(1, 14, 14, 256, 256)  # the filter transform would not pay for itself
    assert not winograd.pays(8, 28, 28, 16, 16)  # the tile transforms would cost more than they save


def _count_calls(monkeypatch):
    """Record the padding of every call of winograd.conv3x3_forward."""
    original, paddings = winograd.conv3x3_forward, []

    def counted(x, w, b=None, padding=1, relu=False):
        paddings.append(padding)
        return original(x, w, b, padding, relu)

    monkeypatch.setattr(winograd, "conv3x3_forward", counted)
    return paddings


def _assert_fast_equals_definition(xp, x, w, b, padding):
    expected, cache = conv.conv2d_forward(x, w, b, 1, padding)
    out, fast_cache = fast_conv.conv2d_forward(x, w, b, 1, padding)
    assert rel_error(out, expected) < 1e-12
    dout = xp.asarray(np.random.default_rng(5).standard_normal(out.shape))
    grads, fast_grads = conv.conv2d_backward(dout, cache), fast_conv.conv2d_backward(dout, fast_cache)
    for want, got in zip(grads, fast_grads, strict=True):
        assert (want is None and got is None) or rel_error(got, want) < 1e-12


@pytest.mark.needs_exercises(13)  # resnet.conv's backward (col2im)
def test_fast_path_takes_winograd_where_it_pays_with_the_same_numbers(xp, monkeypatch):
    rng = np.random.default_rng(4)
    x, w = _normal(xp, rng, 4, 10, 10, 128), _normal(xp, rng, 128, 128, 3, 3)
    assert winograd.pays(4, 10, 10, 128, 128)
    paddings = _count_calls(monkeypatch)
    _assert_fast_equals_definition(xp, x, w, None, 1)
    assert paddings == [1, 1]  # the forward pass and dx (a convolution of dout, padded by 3 - 1 - 1)


@pytest.mark.needs_exercises(13)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_fast_path_through_winograd_equals_the_definition(xp, monkeypatch, shape):
    N, H, W, C_in, C_out, padding = shape
    monkeypatch.setattr(winograd, "pays", lambda *sizes: True)
    paddings = _count_calls(monkeypatch)
    rng = np.random.default_rng(6)
    x, w = _normal(xp, rng, N, H, W, C_in), _normal(xp, rng, C_out, C_in, 3, 3)
    _assert_fast_equals_definition(xp, x, w, xp.asarray(rng.standard_normal(C_out)), padding)
    assert paddings == [padding, 2 - padding]
