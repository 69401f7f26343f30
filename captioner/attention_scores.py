"""Attention scores: how well each cell of the picture's grid fits what the decoder needs now.

    A_projected = A W_a + b                      once per caption (does not depend on the step)
    e = tanh(A_projected + h W_h) w              at every step, one score per grid cell

A (N, L, F) holds the encoder's feature vector of each of the L = rows * cols cells of the
picture's grid; h (N, H) is the decoder's hidden state before the word is chosen. The score of
cell l is a small one-hidden-layer network of the cell's features and the hidden state:
e[n, l] = w . tanh(A[n, l] W_a + b + h[n] W_h), the "additive" attention of Bahdanau et al.
(2015) that Show, Attend and Tell (Xu et al., 2015) uses.

The grid's half of the sum, A W_a + b, is the same at every step of a caption: a decoder
computes it once with project_grid_forward and hands it to attention_scores_forward at each
step, and adds up the steps' gradients of A_projected before one project_grid_backward.
"""

from lstm.activations import tanh_forward
from lstm.temporal_affine import temporal_affine_backward, temporal_affine_forward
from numerics import check_same_dtype, check_shapes


def project_grid_forward(A, W_a, b):
    """A_projected = A W_a + b, every cell of every picture through one affine map.

    A: (N, L, F) grid features; W_a: (F, K); b: (K,).
    Returns A_projected: (N, L, K) and a cache for project_grid_backward.
    """
    check_same_dtype({"A": A, "W_a": W_a, "b": b})
    # The L cells play the part the T time steps play in the temporal affine layer.
    return temporal_affine_forward(A, W_a, b)


def project_grid_backward(dA_projected, cache):
    """dA_projected: (N, L, K), summed over the steps that read it.

    Returns dA (N, L, F), dW_a (F, K), db (K,).
    """
    return temporal_affine_backward(dA_projected, cache)


def attention_scores_forward(A_projected, h, W_h, w):
    """e = tanh(A_projected + h W_h) w: one score per grid cell.

    A_projected: (N, L, K) from project_grid_forward; h: (N, H) the decoder's hidden state;
    W_h: (H, K); w: (K,).
    Returns e: (N, L) and the cache (h, W_h, w, t, tanh_cache) that attention_scores_backward
    unpacks: t = tanh(A_projected + h W_h) (N, L, K) and tanh_forward's cache.
    """
    check_shapes({"A_projected": (A_projected, ("N", "L", "K")), "h": (h, ("N", "H")),
                  "W_h": (W_h, ("H", "K")), "w": (w, ("K",))})
    # BEGIN EXERCISE 21
    # h W_h is one row per picture, broadcast over its L cells.
    t, tanh_cache = tanh_forward(A_projected + (h @ W_h)[:, None, :])
    e = t @ w
    return e, (h, W_h, w, t, tanh_cache)
    # END EXERCISE 21


def attention_scores_backward(de, cache):
    """de: (N, L). Returns dA_projected (N, L, K), dh (N, H), dW_h (H, K), dw (K,)."""
    h, W_h, w, t, _ = cache
    N, L, K = t.shape
    check_shapes({"de": (de, (N, L))})
    # BEGIN EXERCISE 22
    dw = de.reshape(N * L) @ t.reshape(N * L, K)
    dA_projected = de[:, :, None] * w * (1 - t * t)  # through t = tanh(...): its slope is 1 - t^2
    # h W_h reached all L cells of its picture: its gradient is the sum over the cells.
    dhW_h = dA_projected.sum(axis=1)
    return dA_projected, dhW_h @ W_h.T, h.T @ dhW_h, dw
    # END EXERCISE 22
