"""The GRU's reset gate: how much of the previous hidden state the candidate may read.

    r = sigmoid(x Wx_r + bx_r + prev_h Wh_r + bh_r)

Each entry of r lies in (0, 1). The candidate multiplies its view of the past,
prev_h Wh_n + bh_n, by r (see lstm.gru_candidate): near 0 the candidate is made
from the current input alone, as if the sequence started afresh here; near 1 it
reads the previous hidden state in full. The GRU has no cell state: r and the
update gate z both act on h itself.
"""

# Each gate is its own lesson, so each has its own file, and their code has the same shape on
# purpose: a student compares them side by side (lstm/__init__.py gives the reading order).

from lstm.activations import sigmoid_backward, sigmoid_forward
from lstm.gate_affine import gate_affine_backward, gate_affine_forward


def reset_gate_forward(x, prev_h, Wx_r, Wh_r, bx_r, bh_r):
    """r = sigmoid(x Wx_r + bx_r + prev_h Wh_r + bh_r).

    x: (N, D); prev_h: (N, H); Wx_r: (D, H); Wh_r: (H, H); bx_r, bh_r: (H,).
    Returns r: (N, H) and cache = ((x, prev_h, Wx_r, Wh_r), r) for reset_gate_backward.
    """
    # BEGIN EXERCISE 19
    # The two biases are simply added here; only the candidate keeps them apart.
    a_r, affine_cache = gate_affine_forward(x, prev_h, Wx_r, Wh_r, bx_r + bh_r)
    r, sigmoid_cache = sigmoid_forward(a_r)
    return r, (affine_cache, sigmoid_cache)
    # END EXERCISE 19


def reset_gate_backward(dr, cache):
    """Gradients of r = sigmoid(a_r) with a_r = x Wx_r + bx_r + prev_h Wh_r + bh_r.

    dr: (N, H). Returns dx (N, D), dprev_h (N, H), dWx_r (D, H), dWh_r (H, H),
    dbx_r (H,), dbh_r (H,); the two bias gradients are equal.
    """
    affine_cache, sigmoid_cache = cache
    da_r = sigmoid_backward(dr, sigmoid_cache)
    dx, dprev_h, dWx_r, dWh_r, db_r = gate_affine_backward(da_r, affine_cache)
    return dx, dprev_h, dWx_r, dWh_r, db_r, db_r.copy()
