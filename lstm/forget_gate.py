"""The forget gate: how much of the old cell state to keep.

    f = sigmoid(x Wx_f + prev_h Wh_f + b_f)

Each entry of f lies in (0, 1). The cell-state update multiplies the previous
cell state by f, so an entry near 0 forgets that unit's memory and an entry
near 1 carries it forward unchanged. f is computed from the current input and
the previous hidden state: the network decides what to forget from what it
sees now and what it said last.
"""

from lstm.activations import sigmoid_backward, sigmoid_forward
from lstm.gate_affine import gate_affine_backward, gate_affine_forward


def forget_gate_forward(x, prev_h, Wx_f, Wh_f, b_f):
    """f = sigmoid(x Wx_f + prev_h Wh_f + b_f).

    x: (N, D); prev_h: (N, H); Wx_f: (D, H); Wh_f: (H, H); b_f: (H,).
    Returns f: (N, H) and a cache for forget_gate_backward.
    """
    # BEGIN EXERCISE 1
    a_f, affine_cache = gate_affine_forward(x, prev_h, Wx_f, Wh_f, b_f)
    f, sigmoid_cache = sigmoid_forward(a_f)
    return f, (affine_cache, sigmoid_cache)
    # END EXERCISE 1


def forget_gate_backward(df, cache):
    """Gradients of f = sigmoid(a_f) with a_f = x Wx_f + prev_h Wh_f + b_f.

    df: (N, H). Returns dx (N, D), dprev_h (N, H), dWx_f (D, H), dWh_f (H, H), db_f (H,).
    """
    # BEGIN EXERCISE 5
    affine_cache, sigmoid_cache = cache
    da_f = sigmoid_backward(df, sigmoid_cache)
    return gate_affine_backward(da_f, affine_cache)
    # END EXERCISE 5
