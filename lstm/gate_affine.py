"""What every gate computes first: a weighted sum of the input and the previous hidden state.

    a = x Wx + prev_h Wh + b

This is the diagrams' "[h_prev, x]" written as two matrix products instead of one
product with a concatenation: the same numbers, without copying x and h_prev
side by side at every step.
"""


def gate_affine_forward(x, prev_h, Wx, Wh, b):
    """a = x Wx + prev_h Wh + b.

    x: (N, D); prev_h: (N, H); Wx: (D, K); Wh: (H, K); b: (K,).
    Returns a: (N, K) and a cache. (K = H for one gate, 4H for all four.)
    """
    a = x @ Wx + prev_h @ Wh + b
    return a, (x, prev_h, Wx, Wh)


def gate_affine_backward(da, cache):
    """Gradients of a = x Wx + prev_h Wh + b.

    da: (N, K). Returns dx (N, D), dprev_h (N, H), dWx (D, K), dWh (H, K), db (K,).
    """
    x, prev_h, Wx, Wh = cache
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
