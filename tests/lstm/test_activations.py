import numpy as np
import pytest

from lstm import sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward
from numerics import check_layer, rel_error, to_host


def test_sigmoid_matches_its_definition(xp):
    a = np.linspace(-30, 30, 121)
    s, _ = sigmoid_forward(xp.asarray(a))
    assert rel_error(s, 1 / (1 + np.exp(-a))) < 1e-15


def test_sigmoid_does_not_overflow_in_float32(xp):
    a = xp.asarray([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=xp.float32)
    s, _ = sigmoid_forward(a)
    assert s.dtype == xp.float32
    np.testing.assert_array_equal(to_host(s), [0.0, 0.0, 0.5, 1.0, 1.0])


@pytest.mark.exercise(23)
def test_activation_gradients(xp):
    a = xp.linspace(-3, 3, 12).reshape(3, 4)
    assert check_layer(sigmoid_forward, sigmoid_backward, {"a": a})["a"] < 1e-9
    assert check_layer(tanh_forward, tanh_backward, {"a": a.copy()})["a"] < 1e-9


@pytest.mark.exercise(23)
def test_derivatives_by_hand_at_zero(xp):
    # sigmoid'(0) = 1/4 and tanh'(0) = 1, from the definitions.
    zero, one = xp.zeros(1), xp.ones(1)
    assert float(sigmoid_backward(one, sigmoid_forward(zero)[1])[0]) == 0.25
    assert float(tanh_backward(one, tanh_forward(zero)[1])[0]) == 1.0


def test_sigmoid_of_a_zero_dimensional_array(xp):
    s, _ = sigmoid_forward(xp.asarray(2.0))
    assert s.shape == ()
    assert abs(float(s) - 1 / (1 + np.exp(-2.0))) < 1e-15
