"""The GRU's new hidden state: a blend of the old one and the candidate.

    next_h = (1 - z) * n + z * prev_h

The update gate z chooses, unit by unit, between keeping prev_h (z near 1) and
taking the candidate n (z near 0). This is the GRU's "highway": with z = 1 a unit
passes its value, and going backward its gradient, to the next step unchanged:
dnext_h/dprev_h along this path is just z. The GRU has no separate cell state;
h is both its memory and what it shows.
"""

from numerics import array_module


def gru_hidden_state_forward(z, n, prev_h, out=None):
    """next_h = (1 - z) * n + z * prev_h.

    z, n, prev_h: (N, H); out: optional (N, H) array to write next_h into.
    Returns next_h: (N, H), which is out when given, and cache = (z, n, prev_h).
    """
    # BEGIN EXERCISE 19
    xp = array_module(z)
    # The same blend as n + z * (prev_h - n): one product fewer.
    next_h = xp.subtract(prev_h, n, out=out)
    next_h *= z
    next_h += n
    return next_h, (z, n, prev_h)
    # END EXERCISE 19


def gru_hidden_state_backward(dnext_h, cache):
    """Gradients of next_h = (1 - z) * n + z * prev_h.

    dnext_h: (N, H). Returns dz, dn, dprev_h, each (N, H).
    """
    # BEGIN EXERCISE 20
    z, n, prev_h = cache
    return dnext_h * (prev_h - n), dnext_h * (1 - z), dnext_h * z
    # END EXERCISE 20
