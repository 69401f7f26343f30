"""The two squashing functions of an LSTM, each with its derivative.

sigmoid squashes any number into (0, 1): multiplying by it keeps (near 1) or
forgets (near 0). tanh squashes into (-1, 1): it keeps values in a fixed range
so they cannot grow without bound as they are added up step after step.

Both derivatives are written in terms of the function's OUTPUT, which the
forward pass has already computed:  sigmoid' = s (1 - s),  tanh' = 1 - t^2.
"""

from numerics import array_module


def sigmoid(a, out=None):
    """sigma(a) = 1 / (1 + exp(-a)), computed as 0.5 tanh(a / 2) + 0.5.

    The tanh form never overflows (exp(-a) does for a < -88 in float32).
    a: any shape; out: optional array of a's shape to write into (may be a).
    """
    xp = array_module(a)
    if out is None:
        # a fresh array, not the ufunc's return: for a 0-d input that would be a scalar
        out = xp.empty_like(a)
    xp.multiply(a, 0.5, out=out)
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def sigmoid_forward(a):
    """s = sigmoid(a). a: any shape. Returns s (same shape) and the cache s."""
    s = sigmoid(a)
    return s, s


def sigmoid_backward(ds, cache):
    """da = ds * s * (1 - s). ds: shape of s. Returns da."""
    # BEGIN EXERCISE 23
    s = cache
    return ds * s * (1 - s)
    # END EXERCISE 23


def tanh_forward(a):
    """t = tanh(a). a: any shape. Returns t (same shape) and the cache t."""
    t = array_module(a).tanh(a)
    return t, t


def tanh_backward(dt, cache):
    """da = dt * (1 - t^2). dt: shape of t. Returns da."""
    # BEGIN EXERCISE 23
    t = cache
    return dt * (1 - t * t)
    # END EXERCISE 23
