"""Converting LSTM weights to and from torch.nn.LSTM's parameters (no torch needed).

torch.nn.LSTM keeps, for layer 0,
    weight_ih_l0: (4H, D)   weight_hh_l0: (4H, H)   bias_ih_l0, bias_hh_l0: (4H,)
with gate blocks in the order (i, f, g, o), which is lstm.GATES. So Wx is
weight_ih_l0 transposed, Wh is weight_hh_l0 transposed, and the two biases,
which are always added together, become one b.
"""

from numerics import array_module, check_shapes


def to_torch_lstm(Wx, Wh, b):
    """Wx: (D, 4H); Wh: (H, 4H); b: (4H,) -> dict of torch.nn.LSTM's layer-0 parameters.

    The arrays are of the same module as the inputs; bias_hh_l0 is zero.
    """
    check_shapes({"Wx": (Wx, ("D", "K")), "Wh": (Wh, ("H", "K")), "b": (b, ("K",))})
    return {
        "weight_ih_l0": Wx.T.copy(),
        "weight_hh_l0": Wh.T.copy(),
        "bias_ih_l0": b.copy(),
        "bias_hh_l0": array_module(b).zeros_like(b),
    }


def from_torch_lstm(parameters):
    """dict with weight_ih_l0 (4H, D), weight_hh_l0 (4H, H), bias_ih_l0, bias_hh_l0 (4H,) -> (Wx, Wh, b).

    Values may be any arrays with .T (NumPy/CuPy arrays, or tensors converted with .numpy()).
    """
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    missing = [name for name in names if name not in parameters]
    if missing:
        raise ValueError(f"torch.nn.LSTM parameters are missing {missing}")
    w_ih, w_hh, b_ih, b_hh = (parameters[name] for name in names)
    check_shapes({"weight_ih_l0": (w_ih, ("K", "D")), "weight_hh_l0": (w_hh, ("K", "H")),
                  "bias_ih_l0": (b_ih, ("K",)), "bias_hh_l0": (b_hh, ("K",))})
    if w_ih.shape[0] != 4 * w_hh.shape[1]:
        raise ValueError(f"weight_hh_l0 must be (4H, H), got {tuple(w_hh.shape)}")
    return w_ih.T.copy(), w_hh.T.copy(), b_ih + b_hh
