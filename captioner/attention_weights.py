"""Attention weights: the scores of the grid cells turned into shares that add up to one.

    alpha = softmax(e) over the L cells:   alpha[n, l] = exp(e[n, l]) / sum_m exp(e[n, m])

Every alpha[n, l] is in (0, 1) and each picture's row sums to 1, so alpha says which share of
the decoder's attention each cell of the picture gets for the next word.
"""

from numerics import array_module, check_shapes


def _stable_softmax(e):
    """softmax over the last axis; the largest score is subtracted first so exp cannot overflow.

    e: (..., L). Returns an array of e's shape whose last axis sums to 1.
    """
    xp = array_module(e)
    exponentials = xp.exp(e - e.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


def attention_weights_forward(e):
    """alpha = softmax(e) over the grid cells.

    e: (N, L) scores. Returns alpha: (N, L), each row summing to 1, and the cache alpha.
    """
    check_shapes({"e": (e, ("N", "L"))})
    alpha = _stable_softmax(e)
    return alpha, alpha


def attention_weights_backward(dalpha, cache):
    """de = alpha * (dalpha - sum_l dalpha_l alpha_l), row by row.

    Raising one score raises its own weight and lowers all the others (the row still sums to 1):
    d alpha_l / d e_m = alpha_l (delta_lm - alpha_m).
    dalpha: (N, L). Returns de: (N, L).
    """
    alpha = cache
    check_shapes({"dalpha": (dalpha, alpha.shape)})
    return alpha * (dalpha - (dalpha * alpha).sum(axis=1, keepdims=True))
