"""The hidden output: what the cell shows of its memory.

    h = o * tanh(c)

tanh brings the cell state, which can grow past 1 by accumulation, back into
(-1, 1); the output gate o then chooses which units are shown. h goes to the
next layer (the word scores, in the captioner) and to the next time step.
"""

from lstm.activations import tanh_backward, tanh_forward
from numerics import array_module


def hidden_output_forward(o, c):
    """h = o * tanh(c).

    o, c: (N, H). Returns h: (N, H) and a cache.
    """
    tanh_c, tanh_cache = tanh_forward(c)
    return o * tanh_c, (o, tanh_cache)


def hidden_output_backward(dh, cache, do_out=None):
    """Gradients of h = o * tanh(c).

    dh: (N, H). Returns do (N, H) and dc (N, H); do_out: optional array for do.
    """
    # BEGIN EXERCISE 10
    o, tanh_c = cache
    return array_module(dh).multiply(dh, tanh_c, out=do_out), tanh_backward(dh * o, tanh_c)
    # END EXERCISE 10
