"""Grid average pooling and the small-picture stem options of the smaller ResNets."""

import numpy as np
import pytest

from numerics import check_layer, numerical_gradient, rel_error, to_host
from resnet import resnet
from resnet.model import stem_padding
from resnet.pooling import grid_avgpool_backward, grid_avgpool_forward


def test_grid_avgpool_matches_naive_cell_means(xp):
    x = np.linspace(-1, 1, 2 * 4 * 6 * 3).reshape(2, 4, 6, 3)
    out, _ = grid_avgpool_forward(xp.asarray(x), 2)
    expected = np.stack([x[:, r * 2 : r * 2 + 2, q * 3 : q * 3 + 3].mean(axis=(1, 2))
                         for r in range(2) for q in range(2)], axis=1).reshape(2, -1)
    assert rel_error(out, expected) < 1e-15


def test_grid_avgpool_gradient(xp):
    x = xp.asarray(np.random.default_rng(0).standard_normal((2, 4, 4, 3)))
    errors = check_layer(lambda x: grid_avgpool_forward(x, 2), grid_avgpool_backward, {"x": x})
    assert errors["x"] < 1e-7


def test_grid_avgpool_needs_equal_cells(xp):
    with pytest.raises(ValueError, match="5x4 map does not split into 2x2"):
        grid_avgpool_forward(xp.zeros((1, 5, 4, 3)), 2)


def test_stem_without_pooling_keeps_twice_the_resolution(xp):
    pooled = resnet((1,), (2,), stem_width=4, num_classes=3, rng=0)
    unpooled = resnet((1,), (2,), stem_width=4, num_classes=3, rng=0, stem_kernel=5, stem_pool=False,
                      pool_grid=4)
    assert pooled.params["conv1.weight"].shape == (4, 3, 7, 7)
    assert unpooled.params["conv1.weight"].shape == (4, 3, 5, 5)
    x = xp.ones((1, 3, 16, 16), dtype=xp.float32)
    assert unpooled.features(x).shape == (1, 4 * 4 * 8)  # an 8x8 map, pooled onto 4x4 cells
    assert pooled.features(x).shape == (1, 8)  # a 4x4 map, pooled to one cell


@pytest.mark.parametrize("kernel, stride, padding", [(7, 2, 3), (5, 2, 2), (3, 2, 1), (4, 4, 0), (4, 2, 1)])
def test_stem_padding_gives_the_side_over_the_stride(kernel, stride, padding):
    assert stem_padding(kernel, stride) == padding
    side = 64
    assert (side + 2 * padding - kernel) // stride + 1 == side // stride


def test_patch_stem_is_one_linear_map_of_each_4x4_patch(xp):
    """A 4x4 stem of stride 4 sees each patch of 16 pixels once, and nothing else: its output is
    the patch (3 x 4 x 4 numbers) times the weights, here checked against an einsum over the
    picture cut into patches (fresh batch norm in eval mode divides by sqrt(1 + eps))."""
    model = resnet((1,), (2,), stem_width=5, num_classes=2, dtype=np.float64, rng=0, stem_kernel=4,
                   stem_stride=4, stem_pool=False)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3, 12, 8))
    maps, _ = model.feature_maps(xp.asarray(x))
    patches = x.reshape(2, 3, 3, 4, 2, 4)  # (n, channel, patch row, row in patch, patch column, column)
    weights = to_host(model.params["conv1.weight"])  # (5, 3, 4, 4)
    expected = np.maximum(np.einsum("ncpiqj,kcij->nkpq", patches, weights) / np.sqrt(1 + 1e-5), 0)
    assert maps["stem"].shape == (2, 5, 3, 2)
    assert rel_error(maps["stem"], expected) < 1e-12


@pytest.mark.needs_exercises(13)  # the model's backward: col2im for the strided stem
@pytest.mark.parametrize("stem", [{"stem_kernel": 5}, {"stem_kernel": 4, "stem_stride": 4}])
def test_stem_options_pass_a_gradient_check(xp, stem):
    model = resnet((1,), (2,), stem_width=3, num_classes=2, dtype=np.float64, rng=1, stem_pool=False,
                   pool_grid=2, **stem)
    side = 16 if stem.get("stem_stride") == 4 else 8  # a 4 x 4 map either way
    x = xp.asarray(np.random.default_rng(2).uniform(-1, 1, (2, 3, side, side)))
    dlogits = xp.asarray(np.random.default_rng(3).standard_normal((2, 2)))
    model.forward(x, train=True)
    model.backward(dlogits)
    analytic = {name: grad.copy() for name, grad in model.grads.items()}

    def loss():
        return float((model.forward(x, train=True, keep_cache=False) * dlogits).sum())

    for name in ("conv1.weight", "bn1.weight", "layer1.0.conv2.weight", "fc.weight"):
        assert rel_error(analytic[name], numerical_gradient(loss, model.params[name])) < 1e-6, name
