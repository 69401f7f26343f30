"""Clear errors for bad input at public entry points.

Each check raises ValueError naming the argument, what was expected and what
arrived, so a mistake is caught where it is made rather than as a broadcasting
error three calls deeper.

InputError is the kind of ValueError that the user's own input causes: a file, a line of it,
a command-line argument or a setting. The command line prints it as one line; every other
error, a bug in the library among them, keeps its traceback.
"""


class InputError(ValueError):
    """Bad input from the user (a file, an argument, a setting), named in the message."""


def _describe(expected):
    return "(" + ", ".join(str(d) for d in expected) + ("," if len(expected) == 1 else "") + ")"


def check_shape(name, array, expected):
    """Raise unless array.shape matches `expected`.

    expected: tuple of ints and/or strings; a string names a dimension that may
    take any size but must be the same everywhere that name is used within one
    call of `check_shapes`. Returns the dict of sizes bound to the names.
    """
    return check_shapes({name: (array, expected)})


def check_shapes(arguments):
    """Check several arrays at once, with dimension names shared between them.

    arguments: {name: (array, expected_shape)}, e.g.
        {"x": (x, ("N", "D")), "Wx": (Wx, ("D", "4H"))}
    Returns {dimension name: size}.
    """
    sizes = {}
    for name, (array, expected) in arguments.items():
        shape = getattr(array, "shape", None)
        if shape is None:
            got = type(array).__name__
            raise ValueError(f"{name} must be an array of shape {_describe(expected)}, got {got}")
        if len(shape) != len(expected):
            raise ValueError(f"{name} must have shape {_describe(expected)}, got {tuple(shape)}")
        for axis, (want, got) in enumerate(zip(expected, shape, strict=True)):
            if isinstance(want, str):
                want = sizes.setdefault(want, got)
            if want != got:
                known = f" with {sizes}" if sizes else ""
                raise ValueError(
                    f"{name} must have shape {_describe(expected)}{known}, "
                    f"got {tuple(shape)} (axis {axis} is {got}, expected {want})"
                )
    return sizes


def check_float(name, array):
    """Raise unless `array` holds floating-point numbers."""
    dtype = getattr(array, "dtype", None)
    if dtype is None or dtype.kind != "f":
        got = dtype if dtype is not None else type(array).__name__
        raise ValueError(f"{name} must be a floating-point array, got dtype {got}")


def check_same_dtype(arguments):
    """Raise unless every array in {name: array} has the same dtype (no silent casts)."""
    dtypes = {name: array.dtype for name, array in arguments.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name}: {dtype}" for name, dtype in dtypes.items())
        raise ValueError(f"arrays must share one dtype, got {listed}")
