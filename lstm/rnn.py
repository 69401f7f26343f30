"""The vanilla RNN: the recurrent net that the LSTM was made to fix.

    next_h = tanh(x Wx + prev_h Wh + b)

Its whole memory is h, and every step squashes h through Wh and tanh. Going
backward one step (h a row vector, as in the code),

    dprev_h = (dnext_h * (1 - next_h^2)) Wh^T = dnext_h diag(1 - next_h^2) Wh^T,

and the factor diag(1 - next_h^2) Wh^T is the Jacobian d next_h / d prev_h. The gradient
that starts at h_t and reaches k steps into the past has been multiplied on the right by
one such factor per step, each with its own step's h:

    dh_(t-k) = dh_t diag(1 - h_t^2) Wh^T diag(1 - h_(t-1)^2) Wh^T ... diag(1 - h_(t-k+1)^2) Wh^T

so it shrinks (or explodes) geometrically. That is the short-term memory problem; the
LSTM's cell state is the way around it.
"""

from lstm.candidate_gate import candidate_gate_backward, candidate_gate_forward
from lstm.checks import check_recurrent_inputs
from numerics import array_module, check_shape


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One vanilla RNN step: next_h = tanh(x Wx + prev_h Wh + b).

    This is exactly the LSTM's candidate gate g. The RNN overwrites its whole
    memory with it at every step; the LSTM adds it to the cell state only as
    much as the input gate allows.
    x: (N, D); prev_h: (N, H); Wx: (D, H); Wh: (H, H); b: (H,).
    Returns next_h: (N, H) and a cache.
    """
    check_recurrent_inputs(x, prev_h, Wx, Wh, b, blocks=1)
    return candidate_gate_forward(x, prev_h, Wx, Wh, b)


def rnn_step_backward(dnext_h, cache):
    """Backward through one RNN step (the candidate gate's backward).

    dnext_h: (N, H). Returns dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    return candidate_gate_backward(dnext_h, cache)


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a sequence.

    x: (N, T, D); h0: (N, H); Wx: (D, H); Wh: (H, H); b: (H,).
    Returns h: (N, T, H) and a cache (the list of step caches).
    """
    check_recurrent_inputs(x, h0, Wx, Wh, b, blocks=1)
    xp = array_module(x)
    steps, caches = [], []
    prev_h = h0
    for t in range(x.shape[1]):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        steps.append(prev_h)
        caches.append(step_cache)
    return xp.stack(steps, axis=1), caches


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    dh: (N, T, H). Returns dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,).
    """
    xp = array_module(dh)
    first_x = cache[0][0][0]
    check_shape("dh", dh, (first_x.shape[0], len(cache), cache[0][1].shape[1]))
    dxs = [None] * len(cache)
    dprev_h = dWx = dWh = db = 0
    for t in reversed(range(len(cache))):
        dxs[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return xp.stack(dxs, axis=1), dprev_h, dWx, dWh, db
