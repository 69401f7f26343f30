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

from lstm.activations import sigmoid
from lstm.checks import check_gru_inputs
from lstm.gru_hidden_state import gru_hidden_state_forward
from lstm.gru_layout import GRU_GATES, gru_gate_block, gru_sigmoid_columns
from numerics import array_module


def activate_gru_gates(ax, ah):
    """From the two shares of the pre-activations to r, z and n, in place.

    ax: (N, 3H) = x Wx + bx, overwritten with the activations r, z, n (order GRU_GATES);
    ah: (N, 3H) = prev_h Wh + bh, read only. Returns ax.
    """
    # BEGIN EXERCISE 19
    xp = array_module(ax)
    both = gru_sigmoid_columns(ax.shape[-1] // 3)
    rz = ax[..., both]
    rz += ah[..., both]
    sigmoid(rz, out=rz)
    n = gru_gate_block(ax, "n")
    n += gru_gate_block(ax, "r") * gru_gate_block(ah, "n")
    xp.tanh(n, out=n)
    return ax
    # END EXERCISE 19


def gru_cell_backward(dnext_h, gates, prev_h, hn):
    """The elementwise half of a step's backward pass, down to both shares of the pre-activations.

    dnext_h, prev_h, hn: (N, H); gates: (N, 3H) activations r, z, n in the order GRU_GATES.
    Returns da_x (N, 3H), the gradient of ax = x Wx + bx; da_h (N, 3H), that of
    ah = prev_h Wh + bh (they differ only in the n block, where ah's share passed through r);
    and the part of dprev_h that comes straight through the blend, dnext_h * z (N, H): the
    caller adds da_h Wh^T, the part through the three products.
    """
    # BEGIN EXERCISE 20
    xp = array_module(dnext_h)
    r, z, n = (gru_gate_block(gates, name) for name in GRU_GATES)
    # next_h = (1 - z) * n + z * prev_h
    dz = dnext_h * (prev_h - n)
    da_n = dnext_h * (1 - z) * (1 - n * n)  # through n = tanh(a_n)
    da_r = da_n * hn * r * (1 - r)  # a_n = ax_n + r * hn, and r = sigmoid(a_r)
    da_z = dz * z * (1 - z)
    da_x = xp.concatenate([da_r, da_z, da_n], axis=1)
    da_h = xp.concatenate([da_r, da_z, da_n * r], axis=1)
    return da_x, da_h, dnext_h * z
    # END EXERCISE 20


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
    r, z, n = (gru_gate_block(gates, name) for name in GRU_GATES)
    next_h, _ = gru_hidden_state_forward(z, n, prev_h)
    cache = {"r": r, "z": z, "n": n, "h": next_h, "hn": gru_gate_block(ah, "n")}
    cache.update(gates=gates, x=x, prev_h=prev_h, Wx=Wx, Wh=Wh)
    return next_h, cache


def gru_step_backward_fused(dnext_h, cache):
    """Backward through gru_step_forward_fused.

    dnext_h: (N, H).
    Returns dx (N, D), dprev_h (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,).
    """
    x, prev_h, Wx, Wh = cache["x"], cache["prev_h"], cache["Wx"], cache["Wh"]
    da_x, da_h, dprev_h = gru_cell_backward(dnext_h, cache["gates"], prev_h, cache["hn"])
    dprev_h += da_h @ Wh.T
    return da_x @ Wx.T, dprev_h, x.T @ da_x, prev_h.T @ da_h, da_x.sum(axis=0), da_h.sum(axis=0)
