"""Grid average pooling and the small-picture stem options of the smaller ResNets."""

import numpy as np
import pytest

from numerics import check_layer, numerical_gradient, rel_error
from resnet import resnet
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


@pytest.mark.needs_exercises(13)  # the model's backward: col2im for the strided stem
def test_stem_options_pass_a_gradient_check(xp):
    model = resnet((1,), (2,), stem_width=3, num_classes=2, dtype=np.float64, rng=1, stem_kernel=5,
                   stem_pool=False, pool_grid=2)
    x = xp.asarray(np.random.default_rng(2).uniform(-1, 1, (2, 3, 8, 8)))
    dlogits = xp.asarray(np.random.default_rng(3).standard_normal((2, 2)))
    model.forward(x, train=True)
    model.backward(dlogits)
    analytic = {name: grad.copy() for name, grad in model.grads.items()}

    def loss():
        return float((model.forward(x, train=True, keep_cache=False) * dlogits).sum())

    for name in ("conv1.weight", "bn1.weight", "layer1.0.conv2.weight", "fc.weight"):
        assert rel_error(analytic[name], numerical_gradient(loss, model.params[name])) < 1e-6, name
