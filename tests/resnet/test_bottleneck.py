import numpy as np
import pytest

from numerics import check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from resnet import bottleneck_backward, bottleneck_forward, bottleneck_layers


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


# Course exercises the block's backward needs: batch norm's backward (14), col2im for the
# strided 3x3 conv (13), and its own (15), graded alone in test_bottleneck_composition.py.
TRAIN_BATCHNORM = pytest.mark.needs_exercises(14)
COL2IM = pytest.mark.needs_exercises(13)


@pytest.mark.needs_exercises(14, 15)
@pytest.mark.parametrize("train", [pytest.param(True, marks=TRAIN_BATCHNORM), False])
@pytest.mark.parametrize(
    ("in_channels", "width", "stride", "size"),
    [(8, 2, 1, (3, 4)), pytest.param(4, 2, 2, (5, 4), marks=COL2IM), (4, 2, 1, (3, 3))],
    ids=["identity", "projection-stride2", "projection-channels"],
)
def test_bottleneck_gradients_of_every_parameter(xp, train, in_channels, width, stride, size):
    params, buffers = make_block(xp, in_channels, width, stride)
    x = xp.asarray(np.random.default_rng(1).standard_normal((2, *size, in_channels)))
    names = list(params)

    def forward(x, *arrays):
        return bottleneck_forward(x, dict(zip(names, arrays)), buffers, stride, train)

    def backward(dout, cache):
        dx, grads = bottleneck_backward(dout, cache)
        assert set(grads) == set(names)
        return (dx, *(grads[name] for name in names))

    errors = check_layer(forward, backward, {"x": x, **params})
    assert_gradients_close(errors, 1e-6)


def test_identity_block_adds_its_input(xp):
    # Zero the last batch norm's gamma and beta: the main path gives 0 and out = relu(x).
    params, buffers = make_block(xp, 8, 2, 1)
    params["bn3.weight"][...] = 0
    params["bn3.bias"][...] = 0
    x = xp.asarray(np.linspace(-1, 1, 2 * 3 * 3 * 8).reshape(2, 3, 3, 8))
    out, _ = bottleneck_forward(x, params, buffers, 1, train=False)
    assert rel_error(out, np.maximum(to_host(x), 0)) < 1e-15


def test_train_mode_updates_every_running_buffer(xp):
    params, buffers = make_block(xp, 4, 2, 2)
    before = {name: to_host(value).copy() for name, value in buffers.items()}
    bottleneck_forward(xp.ones((2, 4, 4, 4)) + xp.arange(4.0), params, buffers, 2, train=True)
    assert all(rel_error(buffers[name], before[name]) > 0 for name in buffers)
    bottleneck_forward(xp.ones((2, 4, 4, 4)), params, buffers, 2, train=False)
    assert all(rel_error(buffers[name], before[name]) > 0 for name in buffers)


def test_identity_block_rejects_mismatched_input(xp):
    params, buffers = make_block(xp, 8, 2, 1)
    with pytest.raises(ValueError, match=r"x must have shape \(N, H, W, 8\).*got \(1, 3, 3, 4\)"):
        bottleneck_forward(xp.ones((1, 3, 3, 4)), params, buffers)


@pytest.mark.needs_exercises(15)
@TRAIN_BATCHNORM
@pytest.mark.parametrize(("in_channels", "stride"), [(8, 1), pytest.param(4, 2, marks=COL2IM)],
                         ids=["identity", "projection"])
def test_in_place_backward_gives_the_same_gradients(xp, in_channels, stride):
    params, buffers = make_block(xp, in_channels, 2, stride)
    x = xp.asarray(np.random.default_rng(2).standard_normal((2, 4, 4, in_channels)))
    out, cache = bottleneck_forward(x, params, buffers, stride, train=True)
    dout = xp.asarray(np.random.default_rng(3).standard_normal(out.shape))
    kept = dout.copy()
    dx, grads = bottleneck_backward(dout, cache)
    assert rel_error(dout, kept) == 0
    dx_in_place, grads_in_place = bottleneck_backward(dout, cache, in_place=True)
    assert rel_error(dx_in_place, dx) < 1e-14
    assert all(rel_error(grads_in_place[name], grad) < 1e-14 for name, grad in grads.items())
