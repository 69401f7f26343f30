"""The one place that knows NumPy from CuPy.

Every layer asks this module for its array module instead of importing numpy:

    xp = array_module(x)        # numpy or cupy, whichever x belongs to
    out = xp.tanh(x)

`use("cupy")` switches the default (the module used to create new arrays);
the environment variable CAPTIONER_BACKEND sets it at start-up. Arrays are
brought back to host NumPy (for plotting, saving, printing) with `to_host`.

A CAPTIONER_BACKEND that cannot be used (an unknown name, CuPy without a GPU) does not
stop the import, so that `--help` and everything that makes no array still work: the
first call that needs the default module raises BackendError, which names the variable.
"""

import os

import numpy

ENVIRONMENT_VARIABLE = "CAPTIONER_BACKEND"
BACKEND_NAMES = ("numpy", "cupy")

_selected = numpy
_environment_problem = None  # why CAPTIONER_BACKEND could not be used, if it could not


class BackendError(ValueError):
    """The backend CAPTIONER_BACKEND names cannot be used."""


def _import_cupy():
    """Return the cupy module, or raise ImportError saying why it is unusable."""
    try:
        import cupy
    except ImportError as error:
        raise ImportError(
            "the 'cupy' backend needs CuPy: pip install -e '.[gpu]' "
            "(cupy-cuda12x or cupy-cuda13x, matching your CUDA driver)"
        ) from error
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise ImportError("CuPy is installed but sees no CUDA device")
    except cupy.cuda.runtime.CUDARuntimeError as error:
        raise ImportError(f"CuPy is installed but CUDA is unusable: {error}") from error
    return cupy


def module_named(name):
    """The array module called `name` ("numpy" or "cupy")."""
    if name == "numpy":
        return numpy
    if name == "cupy":
        return _import_cupy()
    raise ValueError(f"unknown array backend {name!r}; expected one of {BACKEND_NAMES}")


def use(name):
    """Select the default array module by name; returns it."""
    global _selected, _environment_problem
    _selected = module_named(name)
    _environment_problem = None
    return _selected


def selected():
    """The default array module, used to create new arrays."""
    if _environment_problem is not None:
        raise BackendError(_environment_problem)
    return _selected


def selected_name():
    """'numpy' or 'cupy'."""
    return selected().__name__


def available_backends():
    """Names of the backends usable on this machine, numpy first."""
    names = ["numpy"]
    try:
        _import_cupy()
        names.append("cupy")
    except ImportError:
        pass
    return names


def array_module(*arrays):
    """The array module that the given arrays belong to.

    cupy if any of them is a cupy array, otherwise numpy. With no arrays,
    the selected default.
    """
    if not arrays:
        return selected()
    for array in arrays:
        if type(array).__module__.startswith("cupy"):
            return module_named("cupy")
    return numpy


def to_host(array):
    """A NumPy copy (or the same array, if it is already on host) of `array`."""
    if type(array).__module__.startswith("cupy"):
        return array.get()
    return numpy.asarray(array)


def to_device(array, like=None):
    """`array` as an array of the module of `like` (or of the selected one)."""
    xp = array_module(like) if like is not None else selected()
    return xp.asarray(array)


def scatter_add(target, indices, values):
    """target[indices] += values, accumulating repeated indices.

    target: (V, ...); indices: integer array of any shape S; values: S + target.shape[1:].
    Plain fancy-index `+=` would keep only the last of repeated indices.
    """
    xp = array_module(target)
    if xp is numpy:
        numpy.add.at(target, indices, values)
    else:
        import cupyx

        cupyx.scatter_add(target, indices, values)
    return target


def _select_from_environment():
    global _environment_problem
    name = os.environ.get(ENVIRONMENT_VARIABLE)
    if not name:
        return
    try:
        use(name)
    except (ValueError, ImportError) as error:
        _environment_problem = f"{ENVIRONMENT_VARIABLE}={name!r} cannot be used: {error}"


_select_from_environment()
