"""The hidden output: what the cell shows of its memory.

    h = o * tanh(c)

tanh brings the cell state, which can grow past 1 by accumulation, back into
(-1, 1); the output gate o then chooses which units are shown. h goes to the
next layer (the word scores, in the captioner) and to the next time step.
"""

from lstm.activations import tanh_forward


def hidden_output_forward(o, c):
    """h = o * tanh(c).

    o, c: (N, H). Returns h: (N, H) and cache = (o, tanh(c)).
    """
    tanh_c, tanh_cache = tanh_forward(c)
    return o * tanh_c, (o, tanh_cache)


def hidden_output_backward(dh, cache):
    """Gradients of h = o * tanh(c).

    dh: (N, H); cache: (o, tanh_c) from hidden_output_forward. Returns do (N, H) and dc (N, H).
    """
    # BEGIN EXERCISE 10
    o, tanh_c = cache
    return dh * tanh_c, dh * o * (1 - tanh_c * tanh_c)
    # END EXERCISE 10
