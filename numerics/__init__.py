"""Shared numerical tools: the array-backend switch, input validation and the gradient checker."""

from numerics.backend import (
    array_module,
    available_backends,
    scatter_add,
    selected,
    selected_name,
    to_device,
    to_host,
    use,
)
from numerics.gradcheck import check_layer, numerical_gradient, rel_error
from numerics.validation import check_float, check_same_dtype, check_shape, check_shapes

__all__ = [
    "array_module",
    "available_backends",
    "check_float",
    "check_layer",
    "check_same_dtype",
    "check_shape",
    "check_shapes",
    "numerical_gradient",
    "rel_error",
    "scatter_add",
    "selected",
    "selected_name",
    "to_device",
    "to_host",
    "use",
]
