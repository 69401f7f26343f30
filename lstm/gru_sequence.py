"""A GRU over a whole sequence, and backpropagation through time.

Forward: the input's share of every gate at every step, x Wx + bx, is one GEMM
before the loop, (N*T, D) x (D, 3H); inside the loop only prev_h Wh + bh remains,
one GEMM per step for all three blocks, because it needs the previous step's
output. Backward: the loop walks the steps in reverse, carrying dh back one step at
a time and storing each step's d(pre-activation) of both shares; the weight
gradients are then one GEMM each over all steps at once.

Inside, arrays are time-major (T, N, ...) so that each step's slice is one
contiguous block. The activations in the cache are (N, T, H) views of them.
"""

from lstm.checks import check_gru_inputs
from lstm.gru_fused import activate_gru_gates, gru_cell_backward
from lstm.gru_hidden_state import gru_hidden_state_forward
from lstm.gru_layout import GRU_GATES, gru_gate_block
from numerics import array_module, check_shape


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """GRU over a sequence, starting from the hidden state h0.

    x: (N, T, D); h0: (N, H); Wx: (D, 3H); Wh: (H, 3H); bx, bh: (3H,), the blocks in
    the order lstm.GRU_GATES. Returns h: (N, T, H), every step's hidden state, and a
    cache whose entries 'r', 'z', 'n', 'h' are every step's activations, each (N, T, H);
    the final hidden state is h[:, -1].
    """
    sizes = check_gru_inputs(x, h0, Wx, Wh, bx, bh)
    N, T, D, H = sizes["N"], x.shape[1], sizes["D"], sizes["H"]
    xp = array_module(x)
    x_steps = xp.ascontiguousarray(x.transpose(1, 0, 2))
    gates = (x_steps.reshape(T * N, D) @ Wx).reshape(T, N, 3 * H)
    gates += bx
    h = xp.empty((T, N, H), dtype=x.dtype)
    hn = xp.empty_like(h)
    ah = xp.empty((N, 3 * H), dtype=x.dtype)
    prev_h = h0
    for t in range(T):
        xp.matmul(prev_h, Wh, out=ah)
        ah += bh
        activate_gru_gates(gates[t], ah)
        hn[t] = gru_gate_block(ah, "n")
        z, n = gru_gate_block(gates[t], "z"), gru_gate_block(gates[t], "n")
        gru_hidden_state_forward(z, n, prev_h, out=h[t])
        prev_h = h[t]
    cache = {name: gru_gate_block(gates, name).transpose(1, 0, 2) for name in GRU_GATES}
    cache.update(h=h.transpose(1, 0, 2))
    cache.update(x_steps=x_steps, h0=h0, Wx=Wx, Wh=Wh, gates=gates, hn=hn, h_steps=h)
    return xp.ascontiguousarray(cache["h"]), cache


def gru_backward(dh, cache):
    """Backpropagation through time for gru_forward.

    dh: (N, T, H), upstream gradient of every hidden state.
    Returns dx (N, T, D), dh0 (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,).
    """
    T, N, H = cache["h_steps"].shape
    check_shape("dh", dh, (N, T, H))
    gates, h, hn = cache["gates"], cache["h_steps"], cache["hn"]
    xp = array_module(dh)
    Wx, Wh, x_steps = cache["Wx"], cache["Wh"], cache["x_steps"]
    Wh_transposed = xp.ascontiguousarray(Wh.T)  # read once per step: worth one copy
    da_x = xp.empty_like(gates)
    da_h = xp.empty_like(gates)
    dnext_h = xp.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        prev_h = h[t - 1] if t > 0 else cache["h0"]
        # h[t] feeds the layer above (dh) and the next step (dnext_h).
        da_x[t], da_h[t], dprev_h = gru_cell_backward(dh[:, t] + dnext_h, gates[t], prev_h, hn[t])
        dprev_h += da_h[t] @ Wh_transposed
        dnext_h = dprev_h
    da_x_flat = da_x.reshape(T * N, 3 * H)
    da_h_flat = da_h.reshape(T * N, 3 * H)
    prev_h = xp.concatenate([cache["h0"][None], h[:-1]]).reshape(T * N, H)
    dx = (da_x_flat @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    return (
        xp.ascontiguousarray(dx),
        dnext_h,
        x_steps.reshape(T * N, -1).T @ da_x_flat,
        prev_h.T @ da_h_flat,
        da_x_flat.sum(axis=0),
        da_h_flat.sum(axis=0),
    )
