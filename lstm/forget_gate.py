"""The forget gate: how much of the old cell state to keep.

    f = sigmoid(x Wx_f + prev_h Wh_f + b_f)

Each entry of f lies in (0, 1). The cell-state update multiplies the previous
cell state by f, so an entry near 0 forgets that unit's memory and an entry
near 1 carries it forward unchanged. f is computed from the current input and
the previous hidden state: the network decides what to forget from what it
sees now and what it said last.
"""

# Each gate is its own lesson, so each has its own file, and their code has the same shape on
# purpose: a student compares them side by side (lstm/__init__.py gives the reading order).

from lstm.activations import sigmoid


def forget_gate_forward(x, prev_h, Wx_f, Wh_f, b_f):
    """f = sigmoid(x Wx_f + prev_h Wh_f + b_f).

    x: (N, D); prev_h: (N, H); Wx_f: (D, H); Wh_f: (H, H); b_f: (H,).
    Returns f: (N, H) and cache = ((x, prev_h, Wx_f, Wh_f), f) for forget_gate_backward.
    """
    # BEGIN EXERCISE 1
    f = sigmoid(x @ Wx_f + prev_h @ Wh_f + b_f)
    return f, ((x, prev_h, Wx_f, Wh_f), f)
    # END EXERCISE 1


def forget_gate_backward(df, cache):
    """Gradients of f = sigmoid(a_f) with a_f = x Wx_f + prev_h Wh_f + b_f.

    df: (N, H); cache: ((x, prev_h, Wx_f, Wh_f), f) from forget_gate_forward.
    Returns dx (N, D), dprev_h (N, H), dWx_f (D, H), dWh_f (H, H), db_f (H,).
    """
    # BEGIN EXERCISE 5
    (x, prev_h, Wx_f, Wh_f), f = cache
    da_f = df * f * (1 - f)  # through the sigmoid: its slope, written with its output
    # a_f = x Wx_f + prev_h Wh_f + b_f: each factor gets da_f times the other one
    return da_f @ Wx_f.T, da_f @ Wh_f.T, x.T @ da_f, prev_h.T @ da_f, da_f.sum(axis=0)
    # END EXERCISE 5
