"""One LSTM time step, composed gate by gate.

This is the readable version: each gate is its own function call, exactly as
the equations are written. lstm.fused computes the same numbers with one
matrix multiply for all four gates; training uses that one.

    i = sigmoid(x Wx_i + prev_h Wh_i + b_i)      input gate
    f = sigmoid(x Wx_f + prev_h Wh_f + b_f)      forget gate
    g = tanh(x Wx_g + prev_h Wh_g + b_g)         candidate
    o = sigmoid(x Wx_o + prev_h Wh_o + b_o)      output gate
    next_c = f * prev_c + i * g                  cell state
    next_h = o * tanh(next_c)                    hidden output
"""

from lstm.candidate_gate import candidate_gate_backward, candidate_gate_forward
from lstm.cell_state import cell_state_backward, cell_state_forward
from lstm.checks import check_recurrent_inputs
from lstm.forget_gate import forget_gate_backward, forget_gate_forward
from lstm.gate_layout import GATES, gate_weights
from lstm.hidden_output import hidden_output_backward, hidden_output_forward
from lstm.input_gate import input_gate_backward, input_gate_forward
from lstm.output_gate import output_gate_backward, output_gate_forward
from numerics import array_module

GATE_FUNCTIONS = {
    "i": (input_gate_forward, input_gate_backward),
    "f": (forget_gate_forward, forget_gate_backward),
    "g": (candidate_gate_forward, candidate_gate_backward),
    "o": (output_gate_forward, output_gate_backward),
}


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step, gate by gate.

    x: (N, D); prev_h, prev_c: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,),
    gate blocks in the order lstm.GATES.
    Returns next_h (N, H), next_c (N, H) and a cache: a dict holding each
    gate's activation under its letter ('i', 'f', 'g', 'o', each (N, H)),
    'c' and 'h', and the per-gate caches for the backward pass.
    """
    check_recurrent_inputs(x, prev_h, Wx, Wh, b, blocks=4, c0=prev_c)
    cache = {"gate_caches": {}}
    for name in GATES:
        forward, _ = GATE_FUNCTIONS[name]
        cache[name], cache["gate_caches"][name] = forward(x, prev_h, *gate_weights(Wx, Wh, b, name))
    next_c, cache["cell_cache"] = cell_state_forward(cache["f"], prev_c, cache["i"], cache["g"])
    next_h, cache["hidden_cache"] = hidden_output_forward(cache["o"], next_c)
    cache["c"], cache["h"] = next_c, next_h
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward through one LSTM step, gate by gate.

    dnext_h, dnext_c: (N, H), the gradients arriving at next_h and next_c.
    Returns dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    # BEGIN EXERCISE 11
    do, dc_from_h = hidden_output_backward(dnext_h, cache["hidden_cache"])
    # next_c feeds the next step and next_h: its gradient is the sum of both.
    dc = dnext_c + dc_from_h
    df, dprev_c, di, dg = cell_state_backward(dc, cache["cell_cache"])
    gate_grads = {"i": di, "f": df, "g": dg, "o": do}

    dx = dprev_h = 0
    dWx_blocks, dWh_blocks, db_blocks = [], [], []
    for name in GATES:
        _, backward = GATE_FUNCTIONS[name]
        dx_k, dprev_h_k, dWx_k, dWh_k, db_k = backward(gate_grads[name], cache["gate_caches"][name])
        # x and prev_h feed all four gates: their gradients add up.
        dx, dprev_h = dx + dx_k, dprev_h + dprev_h_k
        dWx_blocks.append(dWx_k)
        dWh_blocks.append(dWh_k)
        db_blocks.append(db_k)
    xp = array_module(dnext_h)
    return (
        dx,
        dprev_h,
        dprev_c,
        xp.concatenate(dWx_blocks, axis=1),
        xp.concatenate(dWh_blocks, axis=1),
        xp.concatenate(db_blocks),
    )
    # END EXERCISE 11
