import numpy as np
import pytest

from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from resnet import (
    batchnorm_forward,
    conv2d_forward,
    conv_bn_backward,
    conv_bn_forward,
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


# Course exercises: a strided conv's backward takes col2im (13); only train mode runs the
# batch norm's own backward (14), eval mode folds it into the conv.
TRAIN_BATCHNORM = pytest.mark.needs_exercises(14)
COL2IM = pytest.mark.needs_exercises(13)


@pytest.mark.parametrize("train", [pytest.param(True, marks=TRAIN_BATCHNORM), False])
@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize(("stride", "padding"), [(1, 1), pytest.param(2, 0, marks=COL2IM)])
def test_conv_bn_gradients(xp, train, relu, stride, padding):
    inputs, (running_mean, running_var) = _unit(xp)

    def forward(x, w, gamma, beta):
        return conv_bn_forward(x, w, gamma, beta, running_mean, running_var, stride, padding, train, relu)

    errors = check_layer(forward, conv_bn_backward, inputs)
    assert_gradients_close(errors, 1e-6)


@pytest.mark.parametrize("train", [True, False])
def test_conv_bn_equals_its_three_layers(xp, train):
    inputs, (running_mean, running_var) = _unit(xp)
    x, w, gamma, beta = inputs.values()
    stats = (running_mean.copy(), running_var.copy())
    out, _ = conv_bn_forward(x, w, gamma, beta, running_mean, running_var, 2, 1, train)
    y, _ = conv2d_forward(x, w, None, 2, 1)
    expected, _ = relu_forward(batchnorm_forward(y, gamma, beta, *stats, train)[0])
    assert rel_error(out, expected) < 1e-12
    assert rel_error(running_mean, stats[0]) < 1e-14 and rel_error(running_var, stats[1]) < 1e-14


def test_folded_weight_keeps_the_gemm_memory_order(xp):
    inputs, (running_mean, running_var) = _unit(xp)
    w = gemm_ordered(inputs["w"])
    w_folded, bias, _ = fold_batchnorm(w, inputs["gamma"], inputs["beta"], running_mean, running_var)
    assert w_folded.strides == w.strides and bias.shape == (4,)


@TRAIN_BATCHNORM
def test_in_place_backward_gives_the_same_gradients(xp):
    inputs, (running_mean, running_var) = _unit(xp)
    out, cache = conv_bn_forward(*inputs.values(), running_mean, running_var, 1, 1, True, relu=False)
    dout = xp.asarray(np.random.default_rng(4).standard_normal(out.shape))
    assert_in_place_backward_matches(conv_bn_backward, dout, cache)
