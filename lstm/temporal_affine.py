"""An affine layer applied at every time step: hidden states to word scores."""

from numerics import check_shape, check_shapes


def temporal_affine_forward(x, w, b):
    """out[n, t] = x[n, t] w + b.

    x: (N, T, D); w: (D, M); b: (M,). Returns out: (N, T, M) and a cache.
    """
    check_shapes({"x": (x, ("N", "T", "D")), "w": (w, ("D", "M")), "b": (b, ("M",))})
    N, T, D = x.shape
    out = (x.reshape(N * T, D) @ w).reshape(N, T, -1) + b
    return out, (x, w)


def temporal_affine_backward(dout, cache):
    """dout: (N, T, M). Returns dx (N, T, D), dw (D, M), db (M,)."""
    x, w = cache
    N, T, D = x.shape
    check_shape("dout", dout, (N, T, w.shape[1]))
    dout_flat = dout.reshape(N * T, -1)
    return (dout_flat @ w.T).reshape(N, T, D), x.reshape(N * T, D).T @ dout_flat, dout_flat.sum(axis=0)
