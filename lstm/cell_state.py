"""The cell-state update: the LSTM's "transport highway".

    c = f * prev_c + i * g

The old memory, scaled unit by unit by the forget gate, plus the candidate,
scaled by the input gate. Only elementwise products and a sum lie on this path
from prev_c to c, so information (and, going backward, gradient) can travel
many steps along it without being squashed by a weight matrix each time:
dc/dprev_c is just f.
"""


def cell_state_forward(f, prev_c, i, g):
    """c = f * prev_c + i * g.

    f, prev_c, i, g: (N, H). Returns c: (N, H) and cache = (f, prev_c, i, g).
    """
    c = f * prev_c + i * g
    return c, (f, prev_c, i, g)


def cell_state_backward(dc, cache):
    """Gradients of c = f * prev_c + i * g.

    dc: (N, H); cache: (f, prev_c, i, g) from cell_state_forward.
    Returns df, dprev_c, di, dg, each (N, H).
    """
    # BEGIN EXERCISE 9
    f, prev_c, i, g = cache
    return dc * prev_c, dc * f, dc * g, dc * i
    # END EXERCISE 9
