"""Attention weights: the scores of the grid cells turned into shares that add up to one.

    alpha = softmax(e) over the L cells:   alpha[n, l] = exp(e[n, l]) / sum_m exp(e[n, m])

Every alpha[n, l] is in (0, 1) and each picture's row sums to 1, so alpha says which share of
the decoder's attention each cell of the picture gets for the next word.
"""

from numerics import check_shapes
from numerics.softmax import softmax_backward, softmax_forward


def attention_weights_forward(e):
    """alpha = softmax(e) over the grid cells.

    e: (N, L) scores. Returns alpha: (N, L), each row summing to 1, and the cache.
    """
    check_shapes({"e": (e, ("N", "L"))})
    return softmax_forward(e, axis=1)


def attention_weights_backward(dalpha, cache):
    """de = alpha * (dalpha - sum_l dalpha_l alpha_l), row by row.

    Raising one score raises its own weight and lowers all the others (the row still sums to 1):
    d alpha_l / d e_m = alpha_l (delta_lm - alpha_m).
    dalpha: (N, L). Returns de: (N, L).
    """
    alpha, _ = cache
    check_shapes({"dalpha": (dalpha, alpha.shape)})
    return softmax_backward(dalpha, cache)
