"""Shape and dtype checks shared by the recurrent layers' public entry points."""

from numerics import check_float, check_same_dtype, check_shapes


def check_recurrent_inputs(x, h0, Wx, Wh, b, blocks, c0=None):
    """Raise ValueError unless the arguments of an RNN (blocks=1) or LSTM (blocks=4) fit together.

    x: (N, D) for one step or (N, T, D) for a sequence; h0 (and c0): (N, H);
    Wx: (D, blocks*H); Wh: (H, blocks*H); b: (blocks*H,). All one float dtype.
    Returns the sizes {"N": ..., "D": ..., "H": ...}.
    """
    return _check_cell_inputs(x, h0, Wx, Wh, {"b": b}, blocks, c0)


def check_gru_inputs(x, h0, Wx, Wh, bx, bh):
    """Raise ValueError unless the arguments of a GRU fit together.

    x: (N, D) for one step or (N, T, D) for a sequence; h0: (N, H); Wx: (D, 3H);
    Wh: (H, 3H); bx, bh: (3H,). All one float dtype. Returns the sizes {"N", "D", "H"}.
    """
    return _check_cell_inputs(x, h0, Wx, Wh, {"bx": bx, "bh": bh}, 3)


def _check_cell_inputs(x, h0, Wx, Wh, biases, blocks, c0=None):
    """check_recurrent_inputs with the biases given as {name: array}, each (blocks*H,)."""
    H = Wh.shape[0] if getattr(Wh, "ndim", 0) == 2 else "H"
    width = blocks * H if isinstance(H, int) else "K"
    x_dims = ("N", "D") if getattr(x, "ndim", 0) == 2 else ("N", "T", "D")
    arrays = {"x": x, "prev_h": h0, "Wx": Wx, "Wh": Wh, **biases}
    expected = {
        "x": x_dims,
        "prev_h": ("N", "H"),
        "Wh": ("H", width),
        "Wx": ("D", width),
        **{name: (width,) for name in biases},
    }
    if c0 is not None:
        arrays["prev_c"], expected["prev_c"] = c0, ("N", "H")
    sizes = check_shapes({name: (arrays[name], expected[name]) for name in expected})
    for name, array in arrays.items():
        check_float(name, array)
    check_same_dtype(arrays)
    return sizes
