"""How far back a gradient reaches: backpropagation through time that keeps every step's gradient.

Let a loss read only the last hidden state, L = sum(dh_last * h[:, T-1]), and walk back one
step function call at a time (lstm_step_backward, gru_step_backward or rnn_step_backward). Step t's backward
pass hands back the gradient of its input x_t and of the state it started from, prev_h (and
prev_c for the LSTM); `gradient_reaching_back` keeps them all, so one can see how much of the
gradient is left k steps before the last output:

    x[:, t]                        k = T - 1 - t steps back (x_{T-1} feeds the last output)
    prev_h[:, t], prev_c[:, t]     k = T - t steps back (step 0's are the initial h0 and c0)

In a vanilla RNN each step back multiplies the gradient by diag(1 - h^2) Wh^T, so it shrinks
(or grows) geometrically: short-term memory. The LSTM's cell state offers a path on which each
step back multiplies it by the forget gate alone; the GRU's hidden state one on which it is
multiplied by the update gate z alone. `mean_norm` turns a gradient into the one
number per step that the notebooks (02, 06, 09) and the book plot.
"""

from lstm.gru_step import gru_step_backward, gru_step_forward
from lstm.rnn import rnn_step_backward, rnn_step_forward
from lstm.step import lstm_step_backward, lstm_step_forward
from numerics import array_module, check_same_dtype, check_shape, to_host

# cell: (step forward, step backward, names of the state a step starts from)
CELLS = {
    "lstm": (lstm_step_forward, lstm_step_backward, ("prev_h", "prev_c")),
    "gru": (gru_step_forward, gru_step_backward, ("prev_h",)),
    "rnn": (rnn_step_forward, rnn_step_backward, ("prev_h",)),
}


def gradient_reaching_back(cell, x, h0, Wx, Wh, b, dh_last):
    """Every step's input and state gradient when the loss reads only the last hidden state.

    cell: "lstm" (gate by gate, from the initial cell state c0 = 0), "gru" (gate by gate) or "rnn";
    x: (N, T, D); h0: (N, H); Wx: (D, 4H), Wh: (H, 4H), b: (4H,) for the LSTM (gate blocks in
    the order lstm.GATES), (D, 3H), (H, 3H) and the pair b = (bx, bh), each (3H,), for the GRU
    (order lstm.GRU_GATES), (D, H), (H, H), (H,) for the RNN; dh_last: (N, H), the gradient of
    the loss with respect to the last hidden state (the loss reads no other).
    Returns {"x": (N, T, D), "prev_h": (N, T, H)} and for the LSTM also "prev_c": (N, T, H):
    x[:, t] is dL/dx_t, prev_h[:, t] and prev_c[:, t] are dL/d(the state step t starts from).
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    step_forward, step_backward, state_names = CELLS[cell]
    biases = _biases(cell, b)
    check_shape("x", x, ("N", "T", "D"))
    check_shape("dh_last", dh_last, tuple(h0.shape))
    check_same_dtype({"h0": h0, "dh_last": dh_last})
    xp = array_module(x)
    state = [h0, xp.zeros_like(h0)][: len(state_names)]  # the LSTM starts from c0 = 0
    caches = []
    for t in range(x.shape[1]):
        *state, cache = step_forward(x[:, t], *state, Wx, Wh, *biases)  # checks the shapes and dtypes
        caches.append(cache)
    # Nothing reaches the last step's cell state from later steps: only h is read.
    upstream = [dh_last, xp.zeros_like(dh_last)][: len(state_names)]
    gradients = {name: [None] * len(caches) for name in ("x", *state_names)}
    for t in reversed(range(len(caches))):
        gradients["x"][t], *upstream = step_backward(*upstream, caches[t])[: 1 + len(state_names)]
        for name, gradient in zip(state_names, upstream, strict=True):
            gradients[name][t] = gradient
    return {name: xp.stack(steps, axis=1) for name, steps in gradients.items()}


def _biases(cell, b):
    """The step function's bias arguments: (bx, bh) for the GRU, (b,) for the others."""
    if cell != "gru":
        return (b,)
    if not isinstance(b, (tuple, list)) or len(b) != 2:
        raise ValueError(f"for the GRU, b must be the pair (bx, bh), got {type(b).__name__}")
    return tuple(b)


def mean_norm(gradient):
    """The size of a gradient at each step: its norm per sequence, averaged over the batch.

    gradient: (N, T, K), e.g. one entry of gradient_reaching_back's answer.
    Returns a host array (T,).
    """
    check_shape("gradient", gradient, ("N", "T", "K"))
    return to_host(array_module(gradient).linalg.norm(gradient, axis=2).mean(axis=0))
