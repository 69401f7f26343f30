"""The gating scalar: how much of the picture the next word needs at all.

    beta = sigmoid(h W_beta + b_beta)         one number in (0, 1) per picture
    gated context = beta * z

Words such as "a", "of" or "the" say nothing about the picture; Xu et al. (2015, section 4.2.1)
let the decoder turn the context down for them, and observed that with the gate the attention
puts more emphasis on the objects in the picture. beta is computed from the decoder's hidden state
alone.
"""

from lstm.activations import sigmoid_backward, sigmoid_forward
from numerics import check_shapes


def context_gate_forward(h, W_beta, b_beta):
    """beta = sigmoid(h W_beta + b_beta).

    h: (N, H) the decoder's hidden state; W_beta: (H, 1); b_beta: (1,).
    Returns beta: (N, 1) and a cache for context_gate_backward.
    """
    check_shapes({"h": (h, ("N", "H")), "W_beta": (W_beta, ("H", 1)), "b_beta": (b_beta, (1,))})
    beta, sigmoid_cache = sigmoid_forward(h @ W_beta + b_beta)
    return beta, (h, W_beta, sigmoid_cache)


def context_gate_backward(dbeta, cache):
    """dbeta: (N, 1). Returns dh (N, H), dW_beta (H, 1), db_beta (1,)."""
    h, W_beta, sigmoid_cache = cache
    check_shapes({"dbeta": (dbeta, (h.shape[0], 1))})
    da = sigmoid_backward(dbeta, sigmoid_cache)
    return da @ W_beta.T, h.T @ da, da.sum(axis=0)


def gated_context_forward(z, beta):
    """context = beta * z, the picture's context scaled by its gate.

    z: (N, F); beta: (N, 1). Returns context: (N, F) and a cache for gated_context_backward.
    """
    check_shapes({"z": (z, ("N", "F")), "beta": (beta, ("N", 1))})
    return beta * z, (z, beta)


def gated_context_backward(dcontext, cache):
    """dcontext: (N, F). Returns dz (N, F), dbeta (N, 1) (beta scaled all F entries: a sum)."""
    z, beta = cache
    check_shapes({"dcontext": (dcontext, z.shape)})
    return dcontext * beta, (dcontext * z).sum(axis=1, keepdims=True)
