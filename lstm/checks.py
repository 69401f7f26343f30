"""Shape and dtype checks shared by the recurrent layers' public entry points."""

from numerics import check_float, check_same_dtype, check_shapes


def check_recurrent_inputs(x, h0, Wx, Wh, b, blocks, c0=None):
    """Raise ValueError unless the arguments of an RNN (blocks=1) or LSTM (blocks=4) fit together.

    x: (N, D) for one step or (N, T, D) for a sequence; h0 (and c0): (N, H);
    Wx: (D, blocks*H); Wh: (H, blocks*H); b: (blocks*H,). All one float dtype.
    Returns the sizes {"N": ..., "D": ..., "H": ...}.
    """
    H = Wh.shape[0] if getattr(Wh, "ndim", 0) == 2 else "H"
    width = blocks * H if isinstance(H, int) else "K"
    x_dims = ("N", "D") if getattr(x, "ndim", 0) == 2 else ("N", "T", "D")
    arrays = {"x": x, "prev_h": h0, "Wx": Wx, "Wh": Wh, "b": b}
    expected = {
        "x": x_dims,
        "prev_h": ("N", "H"),
        "Wh": ("H", width),
        "Wx": ("D", width),
        "b": (width,),
    }
    if c0 is not None:
        arrays["prev_c"], expected["prev_c"] = c0, ("N", "H")
    sizes = check_shapes({name: (arrays[name], expected[name]) for name in expected})
    for name, array in arrays.items():
        check_float(name, array)
    check_same_dtype(arrays)
    return sizes
