import numpy as np
import pytest

from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from resnet import (
    batchnorm_forward,
    conv2d_forward,
    conv_bn,
    conv_bn_backward,
    conv_bn_forward,
    fast_bottleneck,
    fold_batchnorm,
    gemm_ordered,
    relu_forward,
)
from tests.resnet.test_batchnorm import assert_in_place_backward_matches


def _unit(xp, seed=3, C_in=3, C_out=4, k=3):
    rng = np.random.default_rng(seed)
    return {
        "x": xp.asarray(rng.standard_normal((2, 5, 4, C_in))),
        "w": xp.asarray(rng.standard_normal((C_out, C_in, k, k)) * 0.3),
        "gamma": xp.asarray(rng.uniform(0.5, 1.5, C_out)),
        "beta": xp.asarray(rng.standard_normal(C_out) * 0.3),
    }, (xp.asarray(rng.standard_normal(C_out) * 0.2), xp.asarray(rng.uniform(0.5, 2.0, C_out)))


# Course exercises: resnet.conv_bn's backward runs col2im (13) and batch norm's backward (14).
# The fast path's runs col2im for a strided conv only, and batch norm's own fast backward.
COL2IM = pytest.mark.needs_exercises(13)


@pytest.mark.needs_exercises(13, 14)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize(("stride", "padding"), [(1, 1), (2, 0)])
def test_conv_bn_gradients(xp, train, relu, stride, padding):
    inputs, (running_mean, running_var) = _unit(xp)

    def forward(x, w, gamma, beta):
        return conv_bn_forward(x, w, gamma, beta, running_mean, running_var, stride, padding, train, relu)

    errors = check_layer(forward, conv_bn_backward, inputs)
    assert_gradients_close(errors, 1e-6)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize(("stride", "padding"), [(1, 1), pytest.param(2, 0, marks=COL2IM)])
def test_fast_conv_bn_gradients(xp, train, relu, stride, padding):
    inputs, (running_mean, running_var) = _unit(xp)

    def forward(x, w, gamma, beta):
        return fast_bottleneck.conv_bn_forward(
            x, w, gamma, beta, running_mean, running_var, stride, padding, train, relu
        )

    errors = check_layer(forward, fast_bottleneck.conv_bn_backward, inputs)
    assert_gradients_close(errors, 1e-6)


@pytest.mark.parametrize("module", [conv_bn, fast_bottleneck])
@pytest.mark.parametrize("train", [True, False])
def test_conv_bn_equals_its_three_layers(xp, train, module):
    inputs, (running_mean, running_var) = _unit(xp)
    x, w, gamma, beta = inputs.values()
    stats = (running_mean.copy(), running_var.copy())
    out, _ = module.conv_bn_forward(x, w, gamma, beta, running_mean, running_var, 2, 1, train)
    y, _ = conv2d_forward(x, w, None, 2, 1)
    expected, _ = relu_forward(batchnorm_forward(y, gamma, beta, *stats, train)[0])
    assert rel_error(out, expected) < 1e-12
    assert rel_error(running_mean, stats[0]) < 1e-14 and rel_error(running_var, stats[1]) < 1e-14


@pytest.mark.needs_exercises(13, 14)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize(("stride", "padding", "k"), [(1, 1, 3), (2, 1, 3), (1, 0, 1), (2, 0, 1), (2, 3, 7)])
def test_fast_conv_bn_equals_the_definition(xp, train, relu, stride, padding, k):
    inputs, (running_mean, running_var) = _unit(xp, seed=5, k=k)
    stats = (running_mean.copy(), running_var.copy())
    args = (stride, padding, train, relu)
    expected, cache = conv_bn_forward(*inputs.values(), running_mean, running_var, *args)
    out, fast_cache = fast_bottleneck.conv_bn_forward(*inputs.values(), *stats, *args)
    assert rel_error(out, expected) < 1e-12
    dout = xp.asarray(np.random.default_rng(6).standard_normal(out.shape))
    expected_grads = conv_bn_backward(dout, cache)
    for want, got in zip(expected_grads, fast_bottleneck.conv_bn_backward(dout, fast_cache), strict=True):
        assert rel_error(got, want) < 1e-12


def test_folded_weight_keeps_the_gemm_memory_order(xp):
    inputs, (running_mean, running_var) = _unit(xp)
    w = gemm_ordered(inputs["w"])
    w_folded, bias, _ = fold_batchnorm(w, inputs["gamma"], inputs["beta"], running_mean, running_var)
    assert w_folded.strides == w.strides and bias.shape == (4,)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("relu", [True, False])
def test_in_place_backward_gives_the_same_gradients(xp, train, relu):
    inputs, (running_mean, running_var) = _unit(xp)
    out, cache = fast_bottleneck.conv_bn_forward(
        *inputs.values(), running_mean, running_var, 1, 1, train, relu=relu
    )
    dout = xp.asarray(np.random.default_rng(4).standard_normal(out.shape))
    assert_in_place_backward_matches(fast_bottleneck.conv_bn_backward, dout, cache)
