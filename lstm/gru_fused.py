"""The fused GRU step: one matrix multiply for the three blocks of x, one for prev_h.

lstm.gru_step computes each part with its own small products. Stacking the weights
side by side (Wx: (D, 3H), Wh: (H, 3H), order lstm.GRU_GATES) turns them into

    ax = x Wx + bx          (N, 3H)   the input's share of r, z and n
    ah = prev_h Wh + bh     (N, 3H)   the past's share; its n block is hn

This works because of the form PyTorch and cuDNN use: the reset gate multiplies
hn = prev_h Wh_n + bh_n, the product's result, so prev_h Wh_n does not wait for r.
(In Cho et al.'s original form, n = tanh(x Wx_n + (r * prev_h) Wh_n + b_n), the
product needs r first: a second, dependent matrix multiply at every step.) Then

    r, z = sigmoid(ax_r + ah_r), sigmoid(ax_z + ah_z)
    n = tanh(ax_n + r * ah_n)
    next_h = (1 - z) * n + z * prev_h

The new hidden state and its derivative are lstm.gru_hidden_state's functions, the
same that the gate-by-gate step calls, so both paths give the same numbers.
"""

from lstm.activations import sigmoid, sigmoid_backward, tanh_backward
from lstm.checks import check_gru_inputs
from lstm.gru_hidden_state import gru_hidden_state_backward, gru_hidden_state_forward
from lstm.gru_layout import gru_gate_block, gru_sigmoid_columns
from numerics import array_module


def activate_gru_gates(ax, ah):
    """From the two shares of the pre-activations to r, z and n, in place.

    ax: (N, 3H) = x Wx + bx, overwritten with the activations r, z, n (order GRU_GATES);
    ah: (N, 3H) = prev_h Wh + bh, read only. Returns ax.
    """
    xp = array_module(ax)
    both = gru_sigmoid_columns(ax.shape[-1] // 3)
    rz = ax[..., both]
    rz += ah[..., both]
    sigmoid(rz, out=rz)
    n = gru_gate_block(ax, "n")
    n += gru_gate_block(ax, "r") * gru_gate_block(ah, "n")
    xp.tanh(n, out=n)
    return ax


def gru_cell_backward(dnext_h, gates, prev_h, hn, da_x, da_h):
    """The elementwise half of a step's backward pass, down to both shares of the pre-activations.

    dnext_h, prev_h, hn: (N, H); gates: (N, 3H) activations r, z, n.
    Writes d(loss)/d(ax) into da_x (N, 3H) and d(loss)/d(ah) into da_h (N, 3H); they
    differ only in the n block, where ah's share passed through r. Returns the part of
    dprev_h that comes straight through the blend, dnext_h * z (N, H): the caller adds
    da_h Wh^T, the part through the three products.
    """
    xp = array_module(dnext_h)
    r, z, n = (gru_gate_block(gates, name) for name in "rzn")
    da_r, da_z, da_n = (gru_gate_block(da_x, name) for name in "rzn")
    _, _, dprev_h = gru_hidden_state_backward(dnext_h, (z, n, prev_h), out=(da_z, da_n, None))
    da_n[...] = tanh_backward(da_n, n)
    xp.multiply(da_n, hn, out=da_r)  # dr
    xp.multiply(da_n, r, out=gru_gate_block(da_h, "n"))  # dhn
    both = gru_sigmoid_columns(hn.shape[-1])
    da_x[..., both] = sigmoid_backward(da_x[..., both], gates[..., both])
    da_h[..., both] = da_x[..., both]
    return dprev_h


def gru_step_forward_fused(x, prev_h, Wx, Wh, bx, bh):
    """One GRU step with one GEMM for x and one for prev_h, each covering r, z and n.

    x: (N, D); prev_h: (N, H); Wx: (D, 3H); Wh: (H, 3H); bx, bh: (3H,).
    Returns next_h (N, H) and a cache holding 'r', 'z', 'n', 'h' and 'hn' (each (N, H))
    like gru_step_forward's.
    """
    check_gru_inputs(x, prev_h, Wx, Wh, bx, bh)
    gates = x @ Wx
    gates += bx
    ah = prev_h @ Wh
    ah += bh
    activate_gru_gates(gates, ah)
    r, z, n = (gru_gate_block(gates, name) for name in "rzn")
    next_h, _ = gru_hidden_state_forward(z, n, prev_h)
    cache = {"r": r, "z": z, "n": n, "h": next_h, "hn": gru_gate_block(ah, "n")}
    cache.update(gates=gates, x=x, prev_h=prev_h, Wx=Wx, Wh=Wh)
    return next_h, cache


def gru_step_backward_fused(dnext_h, cache):
    """Backward through gru_step_forward_fused.

    dnext_h: (N, H).
    Returns dx (N, D), dprev_h (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,).
    """
    xp = array_module(dnext_h)
    x, prev_h, Wx, Wh = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"]
    da_x = xp.empty_like(cache["gates"])
    da_h = xp.empty_like(da_x)
    dprev_h = gru_cell_backward(dnext_h, cache["gates"], prev_h, cache["hn"], da_x, da_h)
    dprev_h += da_h @ Wh.T
    return da_x @ Wx.T, dprev_h, x.T @ da_x, prev_h.T @ da_h, da_x.sum(axis=0), da_h.sum(axis=0)
