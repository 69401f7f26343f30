import numpy as np
import pytest

from numerics import check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from resnet import bottleneck, bottleneck_backward, bottleneck_forward, bottleneck_layers, fast_bottleneck

# The definition and the model's fast version of the block.
MODULES = [bottleneck, fast_bottleneck]


def make_block(xp, in_channels, width, stride, seed=0):
    """Random parameters and buffers of one block, keyed by torchvision's names inside it."""
    rng = np.random.default_rng(seed)
    params, buffers = {}, {}
    for conv, bn, shape in bottleneck_layers(in_channels, width, stride):
        params[f"{conv}.weight"] = xp.asarray(rng.standard_normal(shape) * np.sqrt(2 / np.prod(shape[1:])))
        params[f"{bn}.weight"] = xp.asarray(rng.uniform(0.5, 1.5, shape[0]))
        params[f"{bn}.bias"] = xp.asarray(rng.standard_normal(shape[0]) * 0.3)
        buffers[f"{bn}.running_mean"] = xp.asarray(rng.standard_normal(shape[0]) * 0.2)
        buffers[f"{bn}.running_var"] = xp.asarray(rng.uniform(0.5, 2.0, shape[0]))
    return params, buffers


def test_block_names_follow_torchvision():
    assert [layer[:2] for layer in bottleneck_layers(64, 64, 1)] == [
        ("conv1", "bn1"), ("conv2", "bn2"), ("conv3", "bn3"), ("downsample.0", "downsample.1"),
    ]  # fmt: skip
    assert [shape for *_, shape in bottleneck_layers(256, 128, 2)] == [
        (128, 256, 1, 1), (128, 128, 3, 3), (512, 128, 1, 1), (512, 256, 1, 1),
    ]  # fmt: skip
    assert len(bottleneck_layers(256, 64, 1)) == 3  # same shape in and out: identity shortcut


# Course exercises: the block's backward (15) runs resnet.conv_bn's, which needs col2im (13)
# and batch norm's backward (14). The fast path needs col2im for the strided 3x3 conv only.
COL2IM = pytest.mark.needs_exercises(13)
BLOCKS = pytest.mark.parametrize(
    ("in_channels", "width", "stride", "size"),
    [(8, 2, 1, (3, 4)), (4, 2, 2, (5, 4)), (4, 2, 1, (3, 3))],
    ids=["identity", "projection-stride2", "projection-channels"],
)


def _check_block_gradients(xp, module, train, in_channels, width, stride, size):
    params, buffers = make_block(xp, in_channels, width, stride)
    x = xp.asarray(np.random.default_rng(1).standard_normal((2, *size, in_channels)))
    names = list(params)

    def forward(x, *arrays):
        return module.bottleneck_forward(x, dict(zip(names, arrays)), buffers, stride, train)

    def backward(dout, cache):
        dx, grads = module.bottleneck_backward(dout, cache)
        assert set(grads) == set(names)
        return (dx, *(grads[name] for name in names))

    errors = check_layer(forward, backward, {"x": x, **params})
    assert_gradients_close(errors, 1e-6)


@pytest.mark.needs_exercises(13, 14, 15)  # exercise 15 is graded alone in test_bottleneck_composition.py
@pytest.mark.parametrize("train", [True, False])
@BLOCKS
def test_bottleneck_gradients_of_every_parameter(xp, train, in_channels, width, stride, size):
    _check_block_gradients(xp, bottleneck, train, in_channels, width, stride, size)


@pytest.mark.needs_exercises(14, 15)  # the fast twins of batch norm's and the block's backward
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(
    ("in_channels", "width", "stride", "size"),
    [(8, 2, 1, (3, 4)), pytest.param(4, 2, 2, (5, 4), marks=COL2IM), (4, 2, 1, (3, 3))],
    ids=["identity", "projection-stride2", "projection-channels"],
)
def test_fast_bottleneck_gradients_of_every_parameter(xp, train, in_channels, width, stride, size):
    _check_block_gradients(xp, fast_bottleneck, train, in_channels, width, stride, size)


@pytest.mark.needs_exercises(13, 14, 15)
@pytest.mark.parametrize("train", [True, False])
@BLOCKS
def test_fast_bottleneck_equals_the_definition(xp, train, in_channels, width, stride, size):
    params, buffers = make_block(xp, in_channels, width, stride, seed=4)
    fast_buffers = {name: value.copy() for name, value in buffers.items()}
    x = xp.asarray(np.random.default_rng(5).standard_normal((2, *size, in_channels)))
    expected, cache = bottleneck_forward(x, params, buffers, stride, train)
    out, fast_cache = fast_bottleneck.bottleneck_forward(x, params, fast_buffers, stride, train)
    assert rel_error(out, expected) < 1e-12
    assert all(rel_error(fast_buffers[name], value) < 1e-14 for name, value in buffers.items())
    dout = xp.asarray(np.random.default_rng(6).standard_normal(out.shape))
    dx, grads = bottleneck_backward(dout, cache)
    fast_dx, fast_grads = fast_bottleneck.bottleneck_backward(dout, fast_cache)
    assert rel_error(fast_dx, dx) < 1e-12
    assert set(fast_grads) == set(grads) == set(params)
    assert all(rel_error(fast_grads[name], grad) < 1e-12 for name, grad in grads.items())


@pytest.mark.parametrize("module", MODULES)
def test_identity_block_adds_its_input(xp, module):
    # Zero the last batch norm's gamma and beta: the main path gives 0 and out = relu(x).
    params, buffers = make_block(xp, 8, 2, 1)
    params["bn3.weight"][...] = 0
    params["bn3.bias"][...] = 0
    x = xp.asarray(np.linspace(-1, 1, 2 * 3 * 3 * 8).reshape(2, 3, 3, 8))
    out, _ = module.bottleneck_forward(x, params, buffers, 1, train=False)
    assert rel_error(out, np.maximum(to_host(x), 0)) < 1e-15


@pytest.mark.parametrize("module", MODULES)
def test_train_mode_updates_every_running_buffer(xp, module):
    params, buffers = make_block(xp, 4, 2, 2)
    before = {name: to_host(value).copy() for name, value in buffers.items()}
    module.bottleneck_forward(xp.ones((2, 4, 4, 4)) + xp.arange(4.0), params, buffers, 2, train=True)
    assert all(rel_error(buffers[name], before[name]) > 0 for name in buffers)
    module.bottleneck_forward(xp.ones((2, 4, 4, 4)), params, buffers, 2, train=False)
    assert all(rel_error(buffers[name], before[name]) > 0 for name in buffers)


@pytest.mark.parametrize("module", MODULES)
def test_identity_block_rejects_mismatched_input(xp, module):
    params, buffers = make_block(xp, 8, 2, 1)
    with pytest.raises(ValueError, match=r"x must have shape \(N, H, W, 8\).*got \(1, 3, 3, 4\)"):
        module.bottleneck_forward(xp.ones((1, 3, 3, 4)), params, buffers)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(("in_channels", "stride"), [(8, 1), pytest.param(4, 2, marks=COL2IM)],
                         ids=["identity", "projection"])
def test_in_place_backward_gives_the_same_gradients(xp, train, in_channels, stride):
    params, buffers = make_block(xp, in_channels, 2, stride)
    x = xp.asarray(np.random.default_rng(2).standard_normal((2, 4, 4, in_channels)))
    out, cache = fast_bottleneck.bottleneck_forward(x, params, buffers, stride, train=train)
    dout = xp.asarray(np.random.default_rng(3).standard_normal(out.shape))
    kept = dout.copy()
    dx, grads = fast_bottleneck.bottleneck_backward(dout, cache)
    assert rel_error(dout, kept) == 0
    dx_in_place, grads_in_place = fast_bottleneck.bottleneck_backward(dout, cache, in_place=True)
    assert rel_error(dx_in_place, dx) < 1e-14
    assert all(rel_error(grads_in_place[name], grad) < 1e-14 for name, grad in grads.items())
