import numpy as np
import pytest

from numerics import check_layer, rel_error, to_host
from resnet import fast_bottleneck, relu_backward, relu_forward


def test_relu_forward_by_definition(xp):
    x = xp.asarray(np.linspace(-2.0, 3.0, 11))
    out, _ = relu_forward(x)
    assert to_host(out).tolist() == [0, 0, 0, 0, 0, 0.5, 1, 1.5, 2, 2.5, 3]


def test_relu_gradient_off_the_kink(xp):
    rng = np.random.default_rng(0)
    # Values at least 0.1 away from 0: the central difference never straddles the kink.
    x = rng.uniform(0.1, 1.0, (3, 4, 5)) * rng.choice([-1.0, 1.0], (3, 4, 5))
    errors = check_layer(relu_forward, relu_backward, {"x": xp.asarray(x)})
    assert errors["x"] < 1e-9


def test_gradient_at_zero_is_zero(xp):
    x = xp.asarray([-1.0, 0.0, 2.0])
    _, cache = relu_forward(x)
    assert to_host(relu_backward(xp.asarray([5.0, 5.0, 5.0]), cache)).tolist() == [0, 0, 5]


def test_in_place_overwrites_only_when_asked(xp):
    # The model's fast path (resnet.fast_bottleneck) writes over arrays it owns; nothing else does.
    x = xp.asarray(np.linspace(-1.0, 1.0, 6))
    kept = x.copy()
    out, cache = relu_forward(x)
    assert rel_error(x, kept) == 0 and not xp.shares_memory(out, x)
    dout = xp.asarray(np.linspace(1.0, 2.0, 6))
    dx = relu_backward(dout, cache)
    assert not xp.shares_memory(dx, dout)
    kept_dout = dout.copy()
    assert rel_error(fast_bottleneck.relu_backward(dout, cache), dx) == 0 and rel_error(dout, kept_dout) == 0
    out2 = fast_bottleneck.relu_in_place(x)
    assert xp.shares_memory(out2, x) and rel_error(out2, out) == 0
    dx2 = fast_bottleneck.relu_backward(dout, out2, in_place=True)
    assert xp.shares_memory(dx2, dout) and rel_error(dx2, dx) == 0


def test_float32_stays_float32(xp):
    out, cache = relu_forward(xp.ones(3, dtype=xp.float32))
    assert out.dtype == relu_backward(out, cache).dtype == np.float32


def test_bad_dout_shape(xp):
    _, cache = relu_forward(xp.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(2, 3\), got \(3, 2\)"):
        relu_backward(xp.ones((3, 2)), cache)
