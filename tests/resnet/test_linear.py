import numpy as np
import pytest

from numerics import check_layer, rel_error, to_host
from resnet import linear_backward, linear_forward


def test_linear_forward_by_hand(xp):
    x = xp.asarray(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    w = xp.asarray(np.linspace(0.5, -0.5, 12).reshape(4, 3))
    b = xp.asarray(np.linspace(0.1, 0.4, 4))
    out, _ = linear_forward(x, w, b)
    hx, hw, hb = to_host(x), to_host(w), to_host(b)
    expected = [[sum(hx[n, d] * hw[o, d] for d in range(3)) + hb[o] for o in range(4)] for n in range(2)]
    assert rel_error(out, np.array(expected)) < 1e-14


def test_linear_gradients(xp):
    rng = np.random.default_rng(1)
    inputs = {
        "x": xp.asarray(rng.standard_normal((3, 5))),
        "w": xp.asarray(rng.standard_normal((4, 5))),
        "b": xp.asarray(rng.standard_normal(4)),
    }
    errors = check_layer(linear_forward, linear_backward, inputs)
    assert max(errors.values()) < 1e-8, errors


def test_bad_shapes_are_named(xp):
    with pytest.raises(ValueError, match=r"w must have shape \(D_out, D_in\) with .*'D_in': 5.*got \(4, 6\)"):
        linear_forward(xp.ones((3, 5)), xp.ones((4, 6)), xp.ones(4))
    with pytest.raises(ValueError, match=r"b must have shape \(D_out,\) .*got \(3,\)"):
        linear_forward(xp.ones((3, 5)), xp.ones((4, 5)), xp.ones(3))
    _, cache = linear_forward(xp.ones((3, 5)), xp.ones((4, 5)), xp.ones(4))
    with pytest.raises(ValueError, match=r"dout must have shape \(3, 4\), got \(3, 5\)"):
        linear_backward(xp.ones((3, 5)), cache)
