"""The candidate ("cell") gate: the new values that could be written.

    g = tanh(x Wx_g + prev_h Wh_g + b_g)

g squashes the same kind of weighted sum with tanh, into (-1, 1): these are the
proposed new contents of the cell state, positive or negative. The input gate
decides how much of each is actually written (the cell-state update adds i * g).
The tanh keeps each step's contribution bounded.
"""

# Each gate is its own lesson, so each has its own file, and their code has the same shape on
# purpose: a student compares them side by side (lstm/__init__.py gives the reading order).

from numerics import array_module


def candidate_gate_forward(x, prev_h, Wx_g, Wh_g, b_g):
    """g = tanh(x Wx_g + prev_h Wh_g + b_g).

    x: (N, D); prev_h: (N, H); Wx_g: (D, H); Wh_g: (H, H); b_g: (H,).
    Returns g: (N, H) and cache = ((x, prev_h, Wx_g, Wh_g), g) for candidate_gate_backward.
    """
    # BEGIN EXERCISE 3
    g = array_module(x).tanh(x @ Wx_g + prev_h @ Wh_g + b_g)
    return g, ((x, prev_h, Wx_g, Wh_g), g)
    # END EXERCISE 3


def candidate_gate_backward(dg, cache):
    """Gradients of g = tanh(a_g) with a_g = x Wx_g + prev_h Wh_g + b_g.

    dg: (N, H); cache: ((x, prev_h, Wx_g, Wh_g), g) from candidate_gate_forward.
    Returns dx (N, D), dprev_h (N, H), dWx_g (D, H), dWh_g (H, H), db_g (H,).
    """
    # BEGIN EXERCISE 7
    (x, prev_h, Wx_g, Wh_g), g = cache
    da_g = dg * (1 - g * g)  # through the tanh: its slope, written with its output
    # a_g = x Wx_g + prev_h Wh_g + b_g: each factor gets da_g times the other one
    return da_g @ Wx_g.T, da_g @ Wh_g.T, x.T @ da_g, prev_h.T @ da_g, da_g.sum(axis=0)
    # END EXERCISE 7
