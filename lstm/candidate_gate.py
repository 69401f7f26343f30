"""The candidate ("cell") gate: the new values that could be written.

    g = tanh(x Wx_g + prev_h Wh_g + b_g)

g squashes the same kind of weighted sum with tanh, into (-1, 1): these are the
proposed new contents of the cell state, positive or negative. The input gate
decides how much of each is actually written (the cell-state update adds i * g).
The tanh keeps each step's contribution bounded.
"""

from lstm.activations import tanh_backward, tanh_forward
from lstm.gate_affine import gate_affine_backward, gate_affine_forward


def candidate_gate_forward(x, prev_h, Wx_g, Wh_g, b_g):
    """g = tanh(x Wx_g + prev_h Wh_g + b_g).

    x: (N, D); prev_h: (N, H); Wx_g: (D, H); Wh_g: (H, H); b_g: (H,).
    Returns g: (N, H) and a cache for candidate_gate_backward.
    """
    # BEGIN EXERCISE 3
    a_g, affine_cache = gate_affine_forward(x, prev_h, Wx_g, Wh_g, b_g)
    g, tanh_cache = tanh_forward(a_g)
    return g, (affine_cache, tanh_cache)
    # END EXERCISE 3


def candidate_gate_backward(dg, cache):
    """Gradients of g = tanh(a_g) with a_g = x Wx_g + prev_h Wh_g + b_g.

    dg: (N, H). Returns dx (N, D), dprev_h (N, H), dWx_g (D, H), dWh_g (H, H), db_g (H,).
    """
    # BEGIN EXERCISE 7
    affine_cache, tanh_cache = cache
    da_g = tanh_backward(dg, tanh_cache)
    return gate_affine_backward(da_g, affine_cache)
    # END EXERCISE 7
