"""The output gate: how much of the cell state to show as the hidden state.

    o = sigmoid(x Wx_o + prev_h Wh_o + b_o)

Each entry of o lies in (0, 1). The hidden output is h = o * tanh(c): the cell
state is the memory, h is what the cell reveals of it to the next layer and to
the next time step.
"""

from lstm.activations import sigmoid_backward, sigmoid_forward
from lstm.gate_affine import gate_affine_backward, gate_affine_forward


def output_gate_forward(x, prev_h, Wx_o, Wh_o, b_o):
    """o = sigmoid(x Wx_o + prev_h Wh_o + b_o).

    x: (N, D); prev_h: (N, H); Wx_o: (D, H); Wh_o: (H, H); b_o: (H,).
    Returns o: (N, H) and a cache for output_gate_backward.
    """
    # BEGIN EXERCISE 4
    a_o, affine_cache = gate_affine_forward(x, prev_h, Wx_o, Wh_o, b_o)
    o, sigmoid_cache = sigmoid_forward(a_o)
    return o, (affine_cache, sigmoid_cache)
    # END EXERCISE 4


def output_gate_backward(do, cache):
    """Gradients of o = sigmoid(a_o) with a_o = x Wx_o + prev_h Wh_o + b_o.

    do: (N, H). Returns dx (N, D), dprev_h (N, H), dWx_o (D, H), dWh_o (H, H), db_o (H,).
    """
    # BEGIN EXERCISE 8
    affine_cache, sigmoid_cache = cache
    da_o = sigmoid_backward(do, sigmoid_cache)
    return gate_affine_backward(da_o, affine_cache)
    # END EXERCISE 8
