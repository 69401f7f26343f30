"""Shared tools of the lstm, resnet and captioner packages, one module each:

    backend      the array-backend switch (NumPy, CuPy, or strict, the CPU stand-in for CuPy):
                 array_module, use, to_host, to_device, on_device, preferred_chunk_bytes
    strict       the stand-in for CuPy that refuses what CuPy refuses (numerics.use("strict"))
    validation   clear errors for bad input: check_shape, check_shapes, check_float
    gradcheck    central-difference gradient checks: numerical_gradient, check_layer, rel_error
    softmax      softmax and log-softmax along any axis, stable, each with its backward
    optim        SGD with momentum, Adam, gradient clipping, the learning-rate schedule
    state_dicts  {name: array} dicts: strip_prefix, and the fit check before loading one
    files        atomic writes, the project's .npz (no pickle, JSON metadata), .npy memory maps
    heap         freed memory kept for the next temporary array (set once, on import)
    lanes        independent pieces of work side by side on the host's cores: lanes, side_by_side

The names below are the ones used everywhere; import the rest from their modules
(`from numerics.files import save_npz`).
"""

from numerics.backend import (
    array_module,
    available_backends,
    on_device,
    preferred_chunk_bytes,
    selected,
    selected_name,
    to_device,
    to_host,
    use,
)
from numerics.gradcheck import check_layer, numerical_gradient, rel_error
from numerics.heap import keep_freed_memory
from numerics.validation import check_float, check_same_dtype, check_shape, check_shapes

keep_freed_memory()

__all__ = [
    "array_module",
    "available_backends",
    "check_float",
    "check_layer",
    "check_same_dtype",
    "check_shape",
    "check_shapes",
    "numerical_gradient",
    "on_device",
    "preferred_chunk_bytes",
    "rel_error",
    "selected",
    "selected_name",
    "to_device",
    "to_host",
    "use",
]
