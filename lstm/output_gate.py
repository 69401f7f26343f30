"""The output gate: how much of the cell state to show as the hidden state.

    o = sigmoid(x Wx_o + prev_h Wh_o + b_o)

Each entry of o lies in (0, 1). The hidden output is h = o * tanh(c): the cell
state is the memory, h is what the cell reveals of it to the next layer and to
the next time step.
"""

# Each gate is its own lesson, so each has its own file, and their code has the same shape on
# purpose: a student compares them side by side (lstm/__init__.py gives the reading order).

from lstm.activations import sigmoid


def output_gate_forward(x, prev_h, Wx_o, Wh_o, b_o):
    """o = sigmoid(x Wx_o + prev_h Wh_o + b_o).

    x: (N, D); prev_h: (N, H); Wx_o: (D, H); Wh_o: (H, H); b_o: (H,).
    Returns o: (N, H) and cache = ((x, prev_h, Wx_o, Wh_o), o) for output_gate_backward.
    """
    # BEGIN EXERCISE 4
    o = sigmoid(x @ Wx_o + prev_h @ Wh_o + b_o)
    return o, ((x, prev_h, Wx_o, Wh_o), o)
    # END EXERCISE 4


def output_gate_backward(do, cache):
    """Gradients of o = sigmoid(a_o) with a_o = x Wx_o + prev_h Wh_o + b_o.

    do: (N, H); cache: ((x, prev_h, Wx_o, Wh_o), o) from output_gate_forward.
    Returns dx (N, D), dprev_h (N, H), dWx_o (D, H), dWh_o (H, H), db_o (H,).
    """
    # BEGIN EXERCISE 8
    (x, prev_h, Wx_o, Wh_o), o = cache
    da_o = do * o * (1 - o)  # through the sigmoid: its slope, written with its output
    # a_o = x Wx_o + prev_h Wh_o + b_o: each factor gets da_o times the other one
    return da_o @ Wx_o.T, da_o @ Wh_o.T, x.T @ da_o, prev_h.T @ da_o, da_o.sum(axis=0)
    # END EXERCISE 8
