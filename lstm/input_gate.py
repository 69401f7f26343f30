"""The input gate: how much of the candidate to write into the cell state.

    i = sigmoid(x Wx_i + prev_h Wh_i + b_i)

Each entry of i lies in (0, 1). The cell-state update adds i * g, so i decides,
unit by unit, which of the candidate values g are worth writing (near 1) and
which are ignored (near 0).
"""

from lstm.activations import sigmoid_backward, sigmoid_forward
from lstm.gate_affine import gate_affine_backward, gate_affine_forward


def input_gate_forward(x, prev_h, Wx_i, Wh_i, b_i):
    """i = sigmoid(x Wx_i + prev_h Wh_i + b_i).

    x: (N, D); prev_h: (N, H); Wx_i: (D, H); Wh_i: (H, H); b_i: (H,).
    Returns i: (N, H) and a cache for input_gate_backward.
    """
    # BEGIN EXERCISE 2
    a_i, affine_cache = gate_affine_forward(x, prev_h, Wx_i, Wh_i, b_i)
    i, sigmoid_cache = sigmoid_forward(a_i)
    return i, (affine_cache, sigmoid_cache)
    # END EXERCISE 2


def input_gate_backward(di, cache):
    """Gradients of i = sigmoid(a_i) with a_i = x Wx_i + prev_h Wh_i + b_i.

    di: (N, H). Returns dx (N, D), dprev_h (N, H), dWx_i (D, H), dWh_i (H, H), db_i (H,).
    """
    # BEGIN EXERCISE 6
    affine_cache, sigmoid_cache = cache
    da_i = sigmoid_backward(di, sigmoid_cache)
    return gate_affine_backward(da_i, affine_cache)
    # END EXERCISE 6
