"""The doubly stochastic regulariser: over a whole caption, look at every part of the picture.

Each step's weights alpha[n, t, :] sum to 1 over the cells by construction (the softmax). Xu et
al. (2015, section 4.2.1) also ask each cell's weights to sum to about 1 over the steps, so that
the caption as a whole attends to every part of the picture and does not dwell on one object:

    penalty = weight / N * sum_n sum_l (1 - sum_t mask[n, t] alpha[n, t, l])^2

Padded steps (mask False) do not count, and the sum over pictures is divided by N, as the
caption loss is (lstm.temporal_softmax_loss), so `weight` (lambda in the paper) keeps its meaning
whatever the batch size. The penalty is added to the caption loss.
"""

from numerics import array_module, check_shapes


def doubly_stochastic_forward(alphas, mask, weight):
    """The penalty on cells whose attention over the caption is far from 1.

    alphas: (N, T, L) attention weights of every step; mask: (N, T) bool, True where the step's
    word is real (not padding); weight: float >= 0, lambda.
    Returns penalty: a 0-d array of alphas' dtype and backend (no copy to the host, which a GPU
    would wait for), and a cache for doubly_stochastic_backward.
    """
    check_shapes({"alphas": (alphas, ("N", "T", "L")), "mask": (mask, ("N", "T"))})
    if mask.dtype.kind != "b":
        raise ValueError(f"mask must be a boolean array, got dtype {mask.dtype}")
    if not weight >= 0:
        raise ValueError(f"weight must be a number >= 0, got {weight!r}")
    xp = array_module(alphas)
    steps = mask.astype(alphas.dtype)[:, :, None]
    shortfall = 1 - (alphas * steps).sum(axis=1)  # (N, L): 1 - the cell's attention over the caption
    scale = alphas.dtype.type(weight / alphas.shape[0])
    penalty = scale * xp.sum(shortfall * shortfall)
    return penalty, (steps, shortfall, scale)


def doubly_stochastic_backward(dpenalty, cache):
    """dpenalty: scalar (a 0-d array or a float; 1 when the penalty is added to the loss).

    dalphas[n, t, l] = -2 weight / N * (1 - sum_t' alpha[n, t', l]) * mask[n, t] * dpenalty.
    Returns dalphas: (N, T, L).
    """
    steps, shortfall, scale = cache
    return (-2 * scale * dpenalty) * shortfall[:, None, :] * steps
