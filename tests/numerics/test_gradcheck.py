import numpy as np
import pytest

from numerics import check_layer, numerical_gradient, rel_error
from numerics.gradcheck import assert_gradients_close


def test_rel_error_is_zero_for_equal_and_large_for_unrelated():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(a, a + 1e-9) == pytest.approx(1e-9 / 6, rel=1e-6)


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(2,\) vs \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_a_known_function(xp):
    # d/dx sum(x**3 * dout) = 3 x**2 dout, derived by hand.
    x = xp.linspace(-1.0, 2.0, 6).reshape(2, 3)
    dout = xp.linspace(0.5, 1.5, 6).reshape(2, 3)
    numeric = numerical_gradient(lambda: x**3, x, dout)
    assert rel_error(numeric, 3 * x**2 * dout) < 1e-9


def test_numerical_gradient_of_a_scalar_function(xp):
    x = xp.asarray([0.3, -0.7])
    numeric = numerical_gradient(lambda: float((x**2).sum()), x)
    assert rel_error(numeric, 2 * x) < 1e-9


def _square_forward(x, w):
    return x * x * w, (x, w)


def test_check_layer_passes_a_right_backward_and_fails_a_wrong_one(xp):
    inputs = {"x": xp.linspace(-1, 1, 5), "w": xp.linspace(0.5, 2, 5)}

    def right_backward(dout, cache):
        x, w = cache
        return 2 * x * w * dout, x * x * dout

    def wrong_backward(dout, cache):
        x, w = cache
        return x * w * dout, x * x * dout

    assert max(check_layer(_square_forward, right_backward, inputs).values()) < 1e-8
    errors = check_layer(_square_forward, wrong_backward, inputs)
    assert errors["x"] > 0.1 and errors["w"] < 1e-8


def test_check_layer_counts_gradients():
    with pytest.raises(ValueError, match="1 gradients for 2 inputs"):
        check_layer(_square_forward, lambda dout, cache: dout, {"x": np.ones(2), "w": np.ones(2)})


def test_assert_gradients_close_names_the_worst_gradient():
    assert_gradients_close({"x": 1e-9, "w": 5e-8}, 1e-7)
    expected = r"^gradient check failed, rel. error 3e-2 on dWh \(tolerance 1e-7\)$"
    with pytest.raises(AssertionError, match=expected):
        assert_gradients_close({"x": 1e-9, "Wh": 0.031, "b": 2e-3}, 1e-7)
    with pytest.raises(AssertionError, match="rel. error nan on db"):
        assert_gradients_close({"x": 0.5, "b": float("nan")}, 1e-7)
    with pytest.raises(ValueError, match="no gradients"):
        assert_gradients_close({}, 1e-7)
