"""The captioner's loss: softmax cross-entropy at every step, ignoring padding."""

from numerics import array_module, check_shapes
from numerics.softmax import log_softmax


def temporal_softmax_loss(x, y, mask):
    """Masked softmax cross-entropy, summed over time and averaged over the batch.

    x: (N, T, V) scores; y: (N, T) integer targets in [0, V); mask: (N, T) bool,
    True where the target counts (False on padding).
    Returns loss (a Python float) and dx: (N, T, V).

        loss = -(1/N) sum_{n,t} mask[n,t] log softmax(x[n,t])[y[n,t]]

    log softmax is computed stably (numerics.softmax); its exponential is the softmax
    whose difference from the one-hot target is the gradient.
    """
    check_shapes({"x": (x, ("N", "T", "V")), "y": (y, ("N", "T")), "mask": (mask, ("N", "T"))})
    if y.dtype.kind not in "iu":
        raise ValueError(f"y must be an integer array of word indices, got dtype {y.dtype}")
    if mask.dtype.kind != "b":
        raise ValueError(f"mask must be a boolean array, got dtype {mask.dtype}")
    xp = array_module(x)
    N, T, V = x.shape
    log_probs = log_softmax(x, axis=2)
    rows = xp.arange(N * T)
    target_log_probs = log_probs.reshape(N * T, V)[rows, y.reshape(-1)]
    weights = mask.reshape(-1).astype(x.dtype)
    loss = -float((target_log_probs * weights).sum()) / N

    dx = xp.exp(log_probs).reshape(N * T, V)
    dx[rows, y.reshape(-1)] -= 1
    dx *= weights[:, None] / N
    return loss, dx.reshape(N, T, V)
