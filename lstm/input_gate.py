"""The input gate: how much of the candidate to write into the cell state.

    i = sigmoid(x Wx_i + prev_h Wh_i + b_i)

Each entry of i lies in (0, 1). The cell-state update adds i * g, so i decides,
unit by unit, which of the candidate values g are worth writing (near 1) and
which are ignored (near 0).
"""

# Each gate is its own lesson, so each has its own file, and their code has the same shape on
# purpose: a student compares them side by side (lstm/__init__.py gives the reading order).

from lstm.activations import sigmoid


def input_gate_forward(x, prev_h, Wx_i, Wh_i, b_i):
    """i = sigmoid(x Wx_i + prev_h Wh_i + b_i).

    x: (N, D); prev_h: (N, H); Wx_i: (D, H); Wh_i: (H, H); b_i: (H,).
    Returns i: (N, H) and cache = ((x, prev_h, Wx_i, Wh_i), i) for input_gate_backward.
    """
    # BEGIN EXERCISE 2
    i = sigmoid(x @ Wx_i + prev_h @ Wh_i + b_i)
    return i, ((x, prev_h, Wx_i, Wh_i), i)
    # END EXERCISE 2


def input_gate_backward(di, cache):
    """Gradients of i = sigmoid(a_i) with a_i = x Wx_i + prev_h Wh_i + b_i.

    di: (N, H); cache: ((x, prev_h, Wx_i, Wh_i), i) from input_gate_forward.
    Returns dx (N, D), dprev_h (N, H), dWx_i (D, H), dWh_i (H, H), db_i (H,).
    """
    # BEGIN EXERCISE 6
    (x, prev_h, Wx_i, Wh_i), i = cache
    da_i = di * i * (1 - i)  # through the sigmoid: its slope, written with its output
    # a_i = x Wx_i + prev_h Wh_i + b_i: each factor gets da_i times the other one
    return da_i @ Wx_i.T, da_i @ Wh_i.T, x.T @ da_i, prev_h.T @ da_i, da_i.sum(axis=0)
    # END EXERCISE 6
