"""The one place that knows NumPy from CuPy (and from the strict stand-in for CuPy).

Every layer asks this module for its array module instead of importing numpy:

    xp = array_module(x)        # numpy, cupy or strict, whichever x belongs to
    out = xp.tanh(x)

`use("cupy")` switches the default (the module used to create new arrays);
the environment variable CAPTIONER_BACKEND sets it at start-up. Arrays are
brought back to host NumPy (for plotting, saving, printing) with `to_host`.

The backends are a table (BACKENDS): each names how to import its module, where its array
type is defined, and whether its arrays live on a device. `array_module` looks an array's
type up once and remembers the answer, so no call after the first imports or asks anything;
CuPy is imported the first time it is asked for (by name or by one of its arrays), never at
start-up. "strict" (numerics.strict) is a CPU stand-in for CuPy that refuses what CuPy
refuses; it is a backend like the others, which is how CI proves the device path without a GPU.

A CAPTIONER_BACKEND that cannot be used (an unknown name, CuPy without a GPU) does not
stop the import, so that `--help` and everything that makes no array still work: the
first call that needs the default module raises BackendError, which names the variable.
"""

import importlib
import os
from collections.abc import Callable
from typing import NamedTuple

import numpy

from numerics.validation import InputError

ENVIRONMENT_VARIABLE = "CAPTIONER_BACKEND"

# One chunk of work on a device: a GPU has no cache to fit in, and every chunk costs kernel
# launches, so chunks there are as large as memory comfortably allows.
DEVICE_CHUNK_BYTES = 2**28


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


class Backend(NamedTuple):
    """How to import an array module, where its array type lives, and whether that is a device."""

    load: Callable
    array_type_module: str  # the __module__ of its array type, or the package above it
    on_device: bool


BACKENDS = {
    "numpy": Backend(lambda: numpy, "numpy", on_device=False),
    "strict": Backend(lambda: importlib.import_module("numerics.strict"), "numerics.strict", on_device=True),
    "cupy": Backend(_import_cupy, "cupy", on_device=True),
}
BACKEND_NAMES = tuple(BACKENDS)

_selected = numpy
_environment_problem = None  # why CAPTIONER_BACKEND could not be used, if it could not
_modules = {"numpy": numpy}  # name -> its module, or the ImportError that says why it cannot be had
_names = {id(numpy): "numpy"}  # id(module) -> name
_module_of_type = {}  # type of an array (or scalar, list, ...) -> the module it belongs to


class BackendError(InputError):
    """The backend CAPTIONER_BACKEND names cannot be used."""


def module_named(name):
    """The array module called `name` (one of BACKEND_NAMES), imported on the first call only."""
    if name not in BACKENDS:
        raise ValueError(f"unknown array backend {name!r}; expected one of {BACKEND_NAMES}")
    if name not in _modules:
        try:
            module = BACKENDS[name].load()
        except ImportError as error:
            _modules[name] = error
        else:
            _modules[name], _names[id(module)] = module, name
    if isinstance(_modules[name], ImportError):
        raise ImportError(str(_modules[name]))
    return _modules[name]


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
    """The name of the default backend: 'numpy', 'strict' or 'cupy'."""
    return name_of(selected())


def name_of(xp):
    """The backend name of the array module xp."""
    if id(xp) not in _names:
        raise ValueError(f"{xp!r} is not the module of any of the array backends {BACKEND_NAMES}")
    return _names[id(xp)]


def on_device(xp):
    """Whether the arrays of module xp live on a device (CuPy, and the strict stand-in for it)."""
    return BACKENDS[name_of(xp)].on_device


def preferred_chunk_bytes(xp, host_bytes):
    """Bytes of one chunk of blocked work for arrays of module xp.

    host_bytes: the caller's size for the CPU, chosen to fit a cache. A device has no such cache
    and pays kernel launches per chunk: it gets DEVICE_CHUNK_BYTES.
    """
    return DEVICE_CHUNK_BYTES if on_device(xp) else host_bytes


def available_backends():
    """Names of the array libraries usable on this machine, numpy first: numpy, and cupy where
    there is a GPU. The strict stand-in is not listed (it computes nothing NumPy does not);
    select it by name."""
    names = ["numpy"]
    try:
        module_named("cupy")
        names.append("cupy")
    except ImportError:
        pass
    return names


def array_module(*arrays):
    """The array module that the given arrays belong to.

    The first non-NumPy module among them (cupy for a cupy array, strict for a strict one),
    otherwise numpy. With no arrays, the selected default.
    """
    if not arrays:
        return selected()
    for array in arrays:
        kind = type(array)
        module = _module_of_type.get(kind) or _module_of_type.setdefault(kind, _identify(kind))
        if module is not numpy:
            return module
    return numpy


def _identify(kind):
    """The module whose array type `kind` is: found by where the type is defined."""
    home = getattr(kind, "__module__", None) or ""
    for name, backend in BACKENDS.items():
        if home == backend.array_type_module or home.startswith(backend.array_type_module + "."):
            return module_named(name)
    return numpy  # Python numbers and lists, and everything else, are host values


def to_host(array):
    """A NumPy copy (or the same array, if it is already on host) of `array`."""
    if array_module(array) is numpy:
        return numpy.asarray(array)
    return array.get()


def to_device(array, like=None):
    """`array` as an array of the module of `like` (or of the selected one)."""
    xp = array_module(like) if like is not None else selected()
    return xp.asarray(array)


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
