"""Converting LSTM and GRU weights to and from torch.nn.LSTM's and torch.nn.GRU's parameters.

No torch is needed. torch.nn.LSTM keeps, for layer 0,
    weight_ih_l0: (4H, D)   weight_hh_l0: (4H, H)   bias_ih_l0, bias_hh_l0: (4H,)
with gate blocks in the order (i, f, g, o), which is lstm.GATES. So Wx is
weight_ih_l0 transposed, Wh is weight_hh_l0 transposed, and the two biases,
which are always added together, become one b.

torch.nn.GRU keeps the same four names with 3H rows, blocks in the order (r, z, n),
which is lstm.GRU_GATES. The GRU's two biases stay apart (bx = bias_ih_l0,
bh = bias_hh_l0): the reset gate multiplies prev_h Wh_n + bh_n, so bh_n is not
simply added to bx_n.
"""

from numerics import array_module, check_shapes

TORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


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
    w_ih, w_hh, b_ih, b_hh = _layer_0(parameters, blocks=4, module="torch.nn.LSTM")
    return w_ih.T.copy(), w_hh.T.copy(), b_ih + b_hh


def to_torch_gru(Wx, Wh, bx, bh):
    """Wx: (D, 3H); Wh: (H, 3H); bx, bh: (3H,) -> dict of torch.nn.GRU's layer-0 parameters.

    The arrays are of the same module as the inputs.
    """
    check_shapes({"Wx": (Wx, ("D", "K")), "Wh": (Wh, ("H", "K")), "bx": (bx, ("K",)), "bh": (bh, ("K",))})
    return {
        "weight_ih_l0": Wx.T.copy(),
        "weight_hh_l0": Wh.T.copy(),
        "bias_ih_l0": bx.copy(),
        "bias_hh_l0": bh.copy(),
    }


def from_torch_gru(parameters):
    """dict with weight_ih_l0 (3H, D), weight_hh_l0 (3H, H), bias_ih_l0, bias_hh_l0 (3H,) -> (Wx, Wh, bx, bh).

    Values may be any arrays with .T (NumPy/CuPy arrays, or tensors converted with .numpy()).
    """
    w_ih, w_hh, b_ih, b_hh = _layer_0(parameters, blocks=3, module="torch.nn.GRU")
    return w_ih.T.copy(), w_hh.T.copy(), b_ih.copy(), b_hh.copy()


def _layer_0(parameters, blocks, module):
    """The four layer-0 arrays of a torch recurrent layer with `blocks` gate blocks, shape-checked."""
    missing = [name for name in TORCH_NAMES if name not in parameters]
    if missing:
        raise ValueError(f"{module} parameters are missing {missing}")
    w_ih, w_hh, b_ih, b_hh = (parameters[name] for name in TORCH_NAMES)
    check_shapes({"weight_ih_l0": (w_ih, ("K", "D")), "weight_hh_l0": (w_hh, ("K", "H")),
                  "bias_ih_l0": (b_ih, ("K",)), "bias_hh_l0": (b_hh, ("K",))})
    if w_ih.shape[0] != blocks * w_hh.shape[1]:
        raise ValueError(f"weight_hh_l0 must be ({blocks}H, H), got {tuple(w_hh.shape)}")
    return w_ih, w_hh, b_ih, b_hh
