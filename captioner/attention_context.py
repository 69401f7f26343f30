"""The context vector: the grid's features averaged with the attention weights.

    z[n] = sum_l alpha[n, l] A[n, l]

Where the weights are concentrated on one cell, z is that cell's feature vector; where they are
spread out, z is a blend of the cells, and with equal weights it is the pooled vector a decoder
without attention reads.
"""

from numerics import check_shapes


def attention_context_forward(alpha, A):
    """z = sum_l alpha_l a_l for every picture.

    alpha: (N, L) attention weights; A: (N, L, F) grid features.
    Returns z: (N, F) and a cache for attention_context_backward.
    """
    check_shapes({"alpha": (alpha, ("N", "L")), "A": (A, ("N", "L", "F"))})
    # (N, 1, L) @ (N, L, F): one weighted sum of rows per picture, as a batched product.
    z = (alpha[:, None, :] @ A)[:, 0, :]
    return z, (alpha, A)


def attention_context_backward(dz, cache):
    """dalpha[n, l] = dz[n] . A[n, l];  dA[n, l] = alpha[n, l] dz[n].

    dz: (N, F). Returns dalpha (N, L), dA (N, L, F).
    """
    alpha, A = cache
    check_shapes({"dz": (dz, (A.shape[0], A.shape[2]))})
    dalpha = (A @ dz[:, :, None])[:, :, 0]
    dA = alpha[:, :, None] * dz[:, None, :]
    return dalpha, dA
