"""Softmax and log-softmax along any axis, computed so that exp never overflows.

    softmax(x)_k     = exp(x_k) / sum_j exp(x_j)
    log_softmax(x)_k = x_k - log sum_j exp(x_j)

Both are unchanged when the same number is subtracted from every x_j, so the largest is
subtracted first: every exponent is then <= 0, and exp cannot overflow however large the
scores are. Each comes with its backward pass:

    softmax:      dx = p * (dp - sum_j dp_j p_j)
    log_softmax:  dx = dl - softmax(x) * sum_j dl_j
"""

from numerics.backend import array_module
from numerics.validation import check_float


def _shifted(x, axis):
    """x minus its largest value along axis (any backend, x's dtype)."""
    check_float("x", x)
    if x.ndim == 0 or x.shape[axis] == 0:
        raise ValueError(f"x must have at least one value along axis {axis}, got shape {tuple(x.shape)}")
    return x - x.max(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """x: any shape, floating point. Returns log softmax along `axis`: x's shape and dtype."""
    shifted = _shifted(x, axis)
    return shifted - array_module(x).log(array_module(x).exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """x: any shape, floating point. Returns probabilities along `axis`: x's shape and dtype."""
    exponentials = array_module(x).exp(_shifted(x, axis))
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


def softmax_forward(x, axis=-1):
    """p = softmax(x) along axis. x: any shape. Returns p (x's shape) and the cache (p, axis)."""
    p = softmax(x, axis)
    return p, (p, axis)


def softmax_backward(dp, cache):
    """dp: p's shape. Returns dx: p's shape."""
    p, axis = cache
    return p * (dp - (dp * p).sum(axis=axis, keepdims=True))


def log_softmax_forward(x, axis=-1):
    """l = log_softmax(x) along axis. x: any shape. Returns l (x's shape) and the cache (l, axis)."""
    log_p = log_softmax(x, axis)
    return log_p, (log_p, axis)


def log_softmax_backward(dl, cache):
    """dl: l's shape. Returns dx: l's shape."""
    log_p, axis = cache
    return dl - array_module(log_p).exp(log_p) * dl.sum(axis=axis, keepdims=True)
