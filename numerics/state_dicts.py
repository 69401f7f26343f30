"""State dicts ({name: array}): one part taken by its name prefix, and loading one into a model.

A model keeps its arrays in dicts ("conv1.weight", "decoder.Wx"); a file or an optimizer
holds a dict of the same names. Before anything is copied, every name and shape is
compared, and every disagreement is named in one error, so that a file for another model
is refused whole instead of being loaded halfway.
"""

import numpy

from numerics.backend import to_device, to_host
from numerics.validation import InputError

SHOWN = 5  # names listed per kind of disagreement; the rest are counted


class StateMismatchError(InputError):
    """A state dict whose names or shapes disagree with the model's."""


def strip_prefix(state, prefix):
    """The entries of `state` whose names start with `prefix`, keyed by the rest of the name.

    strip_prefix({"params:fc.bias": b, "buffers:x": x}, "params:") == {"fc.bias": b}
    """
    return {name[len(prefix) :]: value for name, value in state.items() if name.startswith(prefix)}


def _listed(names):
    more = f" (and {len(names) - SHOWN} more)" if len(names) > SHOWN else ""
    return f"{names[:SHOWN]}{more}"


def _shape(value):
    """The shape of an array of any backend, or of array-like host data (a list, a number)."""
    return tuple(value.shape) if hasattr(value, "shape") else numpy.shape(value)


def check_state_fits(expected, state, what="state dict", optional=()):
    """Raise StateMismatchError unless `state` has exactly the names and shapes of `expected`.

    expected: {name: array} (the model's own); state: {name: array-like};
    optional: names that `state` may lack. The one-line message starts with `what` and
    lists the missing, unexpected and mismatched-shape names.
    """
    optional = set(optional)
    missing = [name for name in expected if name not in state and name not in optional]
    unexpected = [name for name in state if name not in expected]
    mismatched = [
        f"{name}: expected {_shape(expected[name])}, got {_shape(value)}"
        for name, value in state.items()
        if name in expected and _shape(value) != _shape(expected[name])
    ]
    problems = [
        f"{kind} {_listed(names)}"
        for kind, names in (("missing keys", missing), ("unexpected keys", unexpected),
                            ("mismatched shapes", mismatched))
        if names
    ]
    if problems:
        raise StateMismatchError(f"{what} and the model disagree: {'; '.join(problems)}")


def load_state_into(targets, state, what="state dict", optional=()):
    """Copy `state` into the model's own arrays `targets`, after check_state_fits.

    targets: {name: array} (host or device; written in place, keeping their dtype and
    memory layout); state: {name: array-like}. Nothing is copied when a check fails.
    """
    check_state_fits(targets, state, what, optional)
    for name, value in state.items():
        target = targets[name]
        # Cast on the host: a float64 file for a float32 model then crosses to the device at half the size.
        target[...] = to_device(numpy.asarray(to_host(value), dtype=target.dtype), like=target)
