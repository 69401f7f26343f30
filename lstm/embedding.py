"""Word embedding: each word index picks one row of a weight matrix."""

from numerics import array_module, check_shape, on_device


def word_embedding_forward(x, W):
    """out[n, t] = W[x[n, t]].

    x: (N, T) integer word indices in [0, V); W: (V, D).
    Returns out: (N, T, D) and a cache.

    Indices outside [0, V) are an error on the host. On a device (CuPy) they give rows of NaN,
    so the loss says something is wrong: raising would need the indices' values on the host, a
    wait for the device at every call (at every word, in decoding), and CuPy's own indexing would
    silently wrap them around to other words.
    """
    check_shape("W", W, ("V", "D"))
    if getattr(x, "dtype", None) is None or x.dtype.kind not in "iu":
        raise ValueError(f"x must be an integer array of word indices, got {getattr(x, 'dtype', type(x))}")
    V = W.shape[0]
    xp = array_module(x)
    if not on_device(xp):
        if x.size and (int(x.min()) < 0 or int(x.max()) >= V):
            raise ValueError(f"word indices must lie in [0, {V}), got [{int(x.min())}, {int(x.max())}]")
        return W[x], (x, W.shape)
    outside = (x < 0) | (x >= V)
    return xp.where(outside[..., None], xp.asarray(xp.nan, dtype=W.dtype), W[x]), (x, W.shape)


def word_embedding_backward(dout, cache):
    """Gradient of the embedding matrix.

    dout: (N, T, D). Returns dW: (V, D). A word that occurs several times
    collects the sum of its gradients, hence the scatter-add.
    """
    x, W_shape = cache
    check_shape("dout", dout, (*x.shape, W_shape[1]))
    xp = array_module(dout)
    dW = xp.zeros(W_shape, dtype=dout.dtype)
    xp.add.at(dW, x, dout)  # dW[x] += dout would keep only one gradient of a repeated word
    return dW
