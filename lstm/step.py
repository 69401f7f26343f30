"""One LSTM time step, composed gate by gate.

This is the readable version: in the forward pass each gate is its own function
call, exactly as the equations are written; the backward pass walks the same
equations back, from the values the cache keeps. lstm.fused computes the same
numbers with one matrix multiply for all four gates; training uses that one.

    i = sigmoid(x Wx_i + prev_h Wh_i + b_i)      input gate
    f = sigmoid(x Wx_f + prev_h Wh_f + b_f)      forget gate
    g = tanh(x Wx_g + prev_h Wh_g + b_g)         candidate
    o = sigmoid(x Wx_o + prev_h Wh_o + b_o)      output gate
    next_c = f * prev_c + i * g                  cell state
    next_h = o * tanh(next_c)                    hidden output
"""

from lstm.candidate_gate import candidate_gate_forward
from lstm.cell_state import cell_state_forward
from lstm.checks import check_recurrent_inputs
from lstm.forget_gate import forget_gate_forward
from lstm.gate_layout import GATES, gate_weights
from lstm.hidden_output import hidden_output_forward
from lstm.input_gate import input_gate_forward
from lstm.output_gate import output_gate_forward
from numerics import array_module

GATE_FORWARDS = {
    "i": input_gate_forward,
    "f": forget_gate_forward,
    "g": candidate_gate_forward,
    "o": output_gate_forward,
}


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step, gate by gate.

    x: (N, D); prev_h, prev_c: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,),
    gate blocks in the order lstm.GATES.
    Returns next_h (N, H), next_c (N, H) and a cache: a dict holding each
    gate's activation under its letter ('i', 'f', 'g', 'o', each (N, H)),
    'c' (next_c), 'h' (next_h), 'tanh_c' (tanh(next_c)), and the step's inputs
    'x', 'prev_h', 'prev_c', 'Wx', 'Wh': all that lstm_step_backward reads.
    The fused step (lstm.fused) returns a cache with the same entries.
    """
    check_recurrent_inputs(x, prev_h, Wx, Wh, b, blocks=4, c0=prev_c)
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh}
    for name in GATES:
        cache[name], _ = GATE_FORWARDS[name](x, prev_h, *gate_weights(Wx, Wh, b, name))
    next_c, _ = cell_state_forward(cache["f"], prev_c, cache["i"], cache["g"])
    next_h, (_, cache["tanh_c"]) = hidden_output_forward(cache["o"], next_c)
    cache["c"], cache["h"] = next_c, next_h
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward through one LSTM step, from the values in its cache.

    dnext_h, dnext_c: (N, H), the gradients arriving at next_h and next_c; cache: from
    lstm_step_forward (or lstm_step_forward_fused).
    Returns dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    # BEGIN EXERCISE 11
    i, f, g, o, tanh_c = (cache[name] for name in ("i", "f", "g", "o", "tanh_c"))
    x, prev_h, prev_c, Wx, Wh = (cache[name] for name in ("x", "prev_h", "prev_c", "Wx", "Wh"))
    # next_h = o * tanh(next_c); next_c also feeds the next step, so its gradient is a sum.
    do = dnext_h * tanh_c
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    # next_c = f * prev_c + i * g, then each gate's slope, written with its output.
    da = {"i": dc * g * i * (1 - i), "f": dc * prev_c * f * (1 - f), "g": dc * i * (1 - g * g),
          "o": do * o * (1 - o)}
    da = array_module(dnext_h).concatenate([da[name] for name in GATES], axis=1)  # (N, 4H)
    # a = x Wx + prev_h Wh + b for all four gates at once.
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
    # END EXERCISE 11
