"""The bottleneck block's backward (exercise 15) graded on its own.

bottleneck_backward composes conv_bn_backward (whose convolution and batch norm backwards are
exercises 13 and 14) along the main path and the shortcut. Here conv + batch norm is replaced by
a simple layer written in this file (a strided 1x1 channel mix, scaled, shifted and squashed by
tanh where the real unit has its ReLU), so that a gradient check of the whole block grades the
composition alone: the relu at the end, both branches, the sum, the gradients keyed like params.
"""

import numpy as np
import pytest

from numerics import array_module, check_layer
from numerics.gradcheck import assert_gradients_close
from resnet import bottleneck, bottleneck_backward, bottleneck_forward
from tests.resnet.test_bottleneck import make_block


def mixing_forward(x, w, gamma, beta, running_mean, running_var, stride=1, padding=0, train=False, relu=True):
    """out = squash(x[:, ::stride, ::stride] M * gamma + beta); M: w summed over its kernel."""
    picked = x[:, ::stride, ::stride, :]
    mixing = w.sum(axis=(2, 3)).T
    z = picked @ mixing * gamma + beta
    out = array_module(x).tanh(z) if relu else z
    return out, (x.shape, picked, mixing, w.shape, gamma, out, relu, stride)


def mixing_backward(dout, cache, in_place=False, input_gradient=True):
    """Gradients of mixing_forward: dx, dw, dgamma, dbeta. Never writes into dout."""
    x_shape, picked, mixing, w_shape, gamma, out, relu, stride = cache
    xp = array_module(dout)
    dz = dout * (1 - out * out) if relu else dout
    axes = (0, 1, 2)
    dgamma, dbeta = (dz * (picked @ mixing)).sum(axis=axes), dz.sum(axis=axes)
    dmixed = dz * gamma
    dmixing = picked.reshape(-1, picked.shape[-1]).T @ dmixed.reshape(-1, dmixed.shape[-1])
    dw = xp.broadcast_to(dmixing.T[:, :, None, None], w_shape).copy()
    dx = xp.zeros(x_shape, dtype=dout.dtype)
    dx[:, ::stride, ::stride, :] = dmixed @ mixing.T
    return dx, dw, dgamma, dbeta


@pytest.fixture(autouse=True)
def mixing_units(monkeypatch):
    monkeypatch.setattr(bottleneck, "conv_bn_forward", mixing_forward)
    monkeypatch.setattr(bottleneck, "conv_bn_backward", mixing_backward)


@pytest.mark.exercise(15)
@pytest.mark.parametrize(
    ("in_channels", "width", "stride", "size"),
    [(8, 2, 1, (3, 4)), (4, 2, 2, (5, 4)), (4, 2, 1, (3, 3))],
    ids=["identity", "projection-stride2", "projection-channels"],
)
def test_the_block_composes_its_units_and_shortcut(xp, in_channels, width, stride, size):
    params, buffers = make_block(xp, in_channels, width, stride)
    x = xp.asarray(np.random.default_rng(1).standard_normal((2, *size, in_channels)))
    names = list(params)

    def forward(x, *arrays):
        return bottleneck_forward(x, dict(zip(names, arrays)), buffers, stride, True)

    def backward(dout, cache):
        kept = dout.copy()
        dx, grads = bottleneck_backward(dout, cache)
        assert float(abs(dout - kept).max()) == 0, "dout changed although in_place is False"
        assert set(grads) == set(names), "grads must be keyed like params"
        return (dx, *(grads[name] for name in names))

    assert_gradients_close(check_layer(forward, backward, {"x": x, **params}), 1e-7)


@pytest.mark.exercise(15)
def test_float32_stays_float32(xp):
    params, buffers = make_block(xp, 4, 2, 2)
    params = {name: value.astype(np.float32) for name, value in params.items()}
    x = xp.asarray(np.random.default_rng(2).standard_normal((2, 4, 4, 4)), dtype=np.float32)
    out, cache = bottleneck_forward(x, params, buffers, 2, True)
    dx, grads = bottleneck_backward(xp.ones_like(out), cache)
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert {grad.dtype for grad in grads.values()} == {np.dtype(np.float32)}
