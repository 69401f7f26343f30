"""The cell-state update: the LSTM's "transport highway".

    c = f * prev_c + i * g

The old memory, scaled unit by unit by the forget gate, plus the candidate,
scaled by the input gate. Only elementwise products and a sum lie on this path
from prev_c to c, so information (and, going backward, gradient) can travel
many steps along it without being squashed by a weight matrix each time:
dc/dprev_c is just f.
"""

from numerics import array_module


def cell_state_forward(f, prev_c, i, g):
    """c = f * prev_c + i * g.

    f, prev_c, i, g: (N, H). Returns c: (N, H) and a cache.
    """
    c = f * prev_c + i * g
    return c, (f, prev_c, i, g)


def cell_state_backward(dc, cache, out=(None, None, None, None)):
    """Gradients of c = f * prev_c + i * g.

    dc: (N, H). Returns df, dprev_c, di, dg, each (N, H). out: optional arrays
    to write them into (the fused path writes straight into its gate buffer).
    """
    # BEGIN EXERCISE 9
    f, prev_c, i, g = cache
    xp = array_module(dc)
    df, dprev_c, di, dg = out
    return (xp.multiply(dc, prev_c, out=df), xp.multiply(dc, f, out=dprev_c),
            xp.multiply(dc, g, out=di), xp.multiply(dc, i, out=dg))
    # END EXERCISE 9
