"""One GRU time step, composed gate by gate (PyTorch's and cuDNN's form).

The readable version: each part is its own function call, exactly as the equations
are written. lstm.gru_fused computes the same numbers with one matrix multiply for
the three blocks of x and one for the three blocks of prev_h; training uses that one.

    r = sigmoid(x Wx_r + bx_r + prev_h Wh_r + bh_r)          reset gate
    z = sigmoid(x Wx_z + bx_z + prev_h Wh_z + bh_z)          update gate
    n = tanh(x Wx_n + bx_n + r * (prev_h Wh_n + bh_n))       candidate
    next_h = (1 - z) * n + z * prev_h                        new hidden state

The backward pass is written out from array operations, one equation at a time, in
the reverse order: the derivation of the book's GRU chapter, line by line.
"""

from lstm.checks import check_gru_inputs
from lstm.gru_candidate import gru_candidate_forward
from lstm.gru_hidden_state import gru_hidden_state_forward
from lstm.gru_layout import gru_gate_weights
from lstm.reset_gate import reset_gate_forward
from lstm.update_gate import update_gate_forward
from numerics import array_module


def gru_step_forward(x, prev_h, Wx, Wh, bx, bh):
    """One GRU step, gate by gate.

    x: (N, D); prev_h: (N, H); Wx: (D, 3H); Wh: (H, 3H); bx, bh: (3H,), the blocks
    in the order lstm.GRU_GATES = ('r', 'z', 'n').
    Returns next_h (N, H) and a cache: a dict holding each part under its letter
    ('r', 'z', 'n' and 'h', each (N, H)), 'hn' (N, H) = prev_h Wh_n + bh_n, and the
    inputs 'x', 'prev_h', 'Wx', 'Wh' for the backward pass.
    """
    check_gru_inputs(x, prev_h, Wx, Wh, bx, bh)
    # BEGIN EXERCISE 19
    r, _ = reset_gate_forward(x, prev_h, *gru_gate_weights(Wx, Wh, bx, bh, "r"))
    z, _ = update_gate_forward(x, prev_h, *gru_gate_weights(Wx, Wh, bx, bh, "z"))
    n, candidate_cache = gru_candidate_forward(x, prev_h, r, *gru_gate_weights(Wx, Wh, bx, bh, "n"))
    next_h, _ = gru_hidden_state_forward(z, n, prev_h)
    cache = {"r": r, "z": z, "n": n, "h": next_h, "hn": candidate_cache["hn"],
             "x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh}
    return next_h, cache
    # END EXERCISE 19


def gru_step_backward(dnext_h, cache):
    """Backward through one GRU step.

    dnext_h: (N, H), the gradient arriving at next_h; cache: from gru_step_forward.
    Returns dx (N, D), dprev_h (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,).
    """
    # BEGIN EXERCISE 20
    xp = array_module(dnext_h)
    r, z, n, hn = cache["r"], cache["z"], cache["n"], cache["hn"]
    x, prev_h, Wx, Wh = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"]
    # next_h = (1 - z) * n + z * prev_h
    dz = dnext_h * (prev_h - n)
    dn = dnext_h * (1 - z)
    dprev_h = dnext_h * z
    # n = tanh(a_n), a_n = x Wx_n + bx_n + r * hn
    da_n = dn * (1 - n * n)
    dr = da_n * hn
    dhn = da_n * r
    # z = sigmoid(a_z), r = sigmoid(a_r)
    da_z = dz * z * (1 - z)
    da_r = dr * r * (1 - r)
    # Each block of x Wx + bx meets its gate's whole pre-activation; the n block of
    # prev_h Wh + bh (that is hn) only what passes the reset gate.
    da_x = xp.concatenate([da_r, da_z, da_n], axis=1)  # (N, 3H), blocks in the order GRU_GATES
    da_h = xp.concatenate([da_r, da_z, dhn], axis=1)
    # prev_h reaches next_h directly (through z) and through all three blocks of prev_h Wh.
    dprev_h += da_h @ Wh.T
    return da_x @ Wx.T, dprev_h, x.T @ da_x, prev_h.T @ da_h, da_x.sum(axis=0), da_h.sum(axis=0)
    # END EXERCISE 20
