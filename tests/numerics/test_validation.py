import numpy as np
import pytest

from numerics import check_float, check_same_dtype, check_shape, check_shapes


def test_check_shapes_binds_named_dimensions():
    sizes = check_shapes({"x": (np.zeros((2, 3)), ("N", "D")), "w": (np.zeros((3, 8)), ("D", 8))})
    assert sizes == {"N": 2, "D": 3}


def test_check_shapes_names_argument_expected_and_actual():
    with pytest.raises(ValueError, match=r"w must have shape \(D, 8\).*got \(4, 8\)"):
        check_shapes({"x": (np.zeros((2, 3)), ("N", "D")), "w": (np.zeros((4, 8)), ("D", 8))})
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\), got \(3,\)"):
        check_shape("x", np.zeros(3), ("N", "D"))
    with pytest.raises(ValueError, match="x must be an array"):
        check_shape("x", [1, 2], ("N",))


def test_dtype_checks():
    check_float("x", np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="x must be a floating-point array, got dtype int64"):
        check_float("x", np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="a: float32, b: float64"):
        check_same_dtype({"a": np.zeros(1, np.float32), "b": np.zeros(1)})
