"""An LSTM over a whole sequence, and backpropagation through time.

Forward: the input projection of every time step is one GEMM before the loop,
(N*T, D) x (D, 4H); inside the loop only prev_h Wh remains, because it needs the
previous step's output. Backward: the loop walks the steps in reverse, carrying
dh and dc back one step at a time and storing each step's d(pre-activation);
the weight gradients are then one GEMM each over all steps at once.

Inside, arrays are time-major (T, N, ...) so that each step's slice is one
contiguous block. The activations in the cache are (N, T, H) views of them.
"""

from lstm.checks import check_recurrent_inputs
from lstm.fused import activate_gates, state_update_backward, state_update_forward
from lstm.gate_layout import GATES, gate_block
from numerics import array_module, check_shape


def lstm_forward(x, h0, Wx, Wh, b):
    """LSTM over a sequence, starting from hidden state h0 and a zero cell state.

    x: (N, T, D); h0: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
    Returns h: (N, T, H), every step's hidden state, and a cache whose entries
    'i', 'f', 'g', 'o', 'c', 'h' are every step's activations, each (N, T, H).
    """
    return lstm_forward_with_cell(x, h0, array_module(h0).zeros_like(h0), Wx, Wh, b)


def lstm_backward(dh, cache):
    """Backpropagation through time for lstm_forward.

    dh: (N, T, H), upstream gradient of every hidden state.
    Returns dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    dx, dh0, _, dWx, dWh, db = lstm_backward_with_cell(dh, cache)
    return dx, dh0, dWx, dWh, db


def lstm_forward_with_cell(x, h0, c0, Wx, Wh, b):
    """LSTM over a sequence from an explicit initial state (h0, c0).

    x: (N, T, D); h0, c0: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
    Returns h: (N, T, H) and the cache (see lstm_forward); the final cell state
    is cache['c'][:, -1].
    """
    sizes = check_recurrent_inputs(x, h0, Wx, Wh, b, blocks=4, c0=c0)
    N, T, D, H = sizes["N"], x.shape[1], sizes["D"], sizes["H"]
    xp = array_module(x)
    x_steps = xp.ascontiguousarray(x.transpose(1, 0, 2))
    gates = (x_steps.reshape(T * N, D) @ Wx).reshape(T, N, 4 * H)
    gates += b
    h = xp.empty((T, N, H), dtype=x.dtype)
    c = xp.empty_like(h)
    tanh_c = xp.empty_like(h)
    prev_h, prev_c = h0, c0
    for t in range(T):
        gates[t] += prev_h @ Wh
        activate_gates(gates[t])
        h[t], c[t], tanh_c[t] = state_update_forward(gates[t], prev_c)
        prev_h, prev_c = h[t], c[t]
    cache = {name: gate_block(gates, name).transpose(1, 0, 2) for name in GATES}
    cache.update(c=c.transpose(1, 0, 2), h=h.transpose(1, 0, 2))
    cache.update(x_steps=x_steps, h0=h0, c0=c0, Wx=Wx, Wh=Wh, gates=gates, tanh_c=tanh_c)
    cache.update(h_steps=h, c_steps=c)
    return xp.ascontiguousarray(cache["h"]), cache


def lstm_backward_with_cell(dh, cache):
    """Backpropagation through time for lstm_forward_with_cell.

    dh: (N, T, H). Returns dx (N, T, D), dh0 (N, H), dc0 (N, H),
    dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    T, N, H = cache["h_steps"].shape
    check_shape("dh", dh, (N, T, H))
    # BEGIN EXERCISE 12
    gates, h, c, tanh_c = cache["gates"], cache["h_steps"], cache["c_steps"], cache["tanh_c"]
    xp = array_module(dh)
    Wx, Wh, x_steps = cache["Wx"], cache["Wh"], cache["x_steps"]
    Wh_transposed = xp.ascontiguousarray(Wh.T)  # read once per step: worth one copy
    da = xp.empty_like(gates)  # every step's d(pre-activation), for the weight gradients after the loop
    dnext_h = xp.zeros((N, H), dtype=dh.dtype)
    dnext_c = xp.zeros_like(dnext_h)
    for t in reversed(range(T)):
        prev_c = c[t - 1] if t > 0 else cache["c0"]
        # h[t] feeds the layer above (dh) and the next step (dnext_h).
        da[t], dnext_c = state_update_backward(dh[:, t] + dnext_h, dnext_c, gates[t], prev_c, tanh_c[t])
        dnext_h = da[t] @ Wh_transposed
    da_flat = da.reshape(T * N, 4 * H)
    prev_h = xp.concatenate([cache["h0"][None], h[:-1]]).reshape(T * N, H)
    dx = (da_flat @ Wx.T).reshape(T, N, -1).transpose(1, 0, 2)
    return (
        xp.ascontiguousarray(dx),
        dnext_h,
        dnext_c,
        x_steps.reshape(T * N, -1).T @ da_flat,
        prev_h.T @ da_flat,
        da_flat.sum(axis=0),
    )
    # END EXERCISE 12
