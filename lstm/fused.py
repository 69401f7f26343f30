"""The fused LSTM step: one matrix multiply for all four gates.

lstm.step computes each gate with its own pair of small products. Stacking the
gates' weights side by side (Wx: (D, 4H), order lstm.GATES) turns those eight
products into two large ones,

    a = x Wx + prev_h Wh + b          a: (N, 4H), one block of H columns per gate

after which each block goes through its own squashing function. The elementwise
forward part (cell state, hidden output) is the very same functions that the
gate-by-gate step uses, so both paths give the same numbers; its backward part,
state_update_backward, is the one a sequence runs at every step (lstm.sequence).
"""

from lstm.cell_state import cell_state_forward
from lstm.checks import check_recurrent_inputs
from lstm.gate_affine import gate_affine_backward, gate_affine_forward
from lstm.gate_layout import GATES, gate_block, gate_columns
from lstm.hidden_output import hidden_output_forward
from numerics import array_module


def activate_gates(a):
    """Squash the stacked pre-activations in place: sigmoid for i, f, o and tanh for g.

    a: (N, 4H), overwritten. Returns a, now holding the gate activations.

    All four blocks take one pass each of the same three operations, because
    sigmoid(a) = 0.5 tanh(0.5 a) + 0.5 (see lstm.activations.sigmoid) and
    tanh(a) = 1 tanh(1 a) + 0: a per-column scale and shift turn one tanh of the
    whole row into every gate, with the very same arithmetic as the gate functions.
    """
    xp = array_module(a)
    scale, shift = _gate_scale_and_shift(a.shape[-1] // 4, a.dtype, xp)
    a *= scale
    xp.tanh(a, out=a)
    a *= scale
    a += shift
    return a


def _gate_scale_and_shift(hidden_size, dtype, xp):
    """(4H,) scale 0.5 and shift 0.5 on the sigmoid gates' columns, 1 and 0 on the candidate's."""
    scale = xp.full(4 * hidden_size, 0.5, dtype=dtype)
    shift = xp.full(4 * hidden_size, 0.5, dtype=dtype)
    scale[gate_columns("g", hidden_size)] = 1
    shift[gate_columns("g", hidden_size)] = 0
    return scale, shift


def state_update_forward(gates, prev_c):
    """The elementwise half of a step, from gate activations to the new state.

    gates: (N, 4H) activations; prev_c: (N, H).
    Returns next_h (N, H), next_c (N, H), tanh(next_c) (N, H).
    """
    gate = {name: gate_block(gates, name) for name in GATES}
    next_c, _ = cell_state_forward(gate["f"], prev_c, gate["i"], gate["g"])
    next_h, (_, tanh_c) = hidden_output_forward(gate["o"], next_c)
    return next_h, next_c, tanh_c


def state_update_backward(dnext_h, dnext_c, gates, prev_c, tanh_c):
    """The elementwise half of a step's backward pass, down to the pre-activations.

    dnext_h, dnext_c: (N, H); gates: (N, 4H) activations in the order lstm.GATES;
    prev_c, tanh_c: (N, H). Returns da: (N, 4H), the gradient of the stacked
    pre-activations a (blocks in the order lstm.GATES), and dprev_c: (N, H).
    """
    # BEGIN EXERCISE 12
    gate = {name: gate_block(gates, name) for name in GATES}
    # the cell state feeds the next step and h = o * tanh(c): its gradients add
    dc = dnext_c + dnext_h * gate["o"] * (1 - tanh_c * tanh_c)
    dgates = {"i": dc * gate["g"], "f": dc * prev_c, "g": dc * gate["i"], "o": dnext_h * tanh_c}
    da = array_module(gates).concatenate([dgates[name] for name in GATES], axis=1)
    da *= activation_derivatives(gates)  # through every squashing function at once
    return da, dc * gate["f"]
    # END EXERCISE 12


def activation_derivatives(gates):
    """d(activation)/d(pre-activation) for all four blocks at once, from the activations.

    gates: (N, 4H). For y = scale tanh(scale a) + shift (see activate_gates) the slope is
    scale^2 - (y - shift)^2: s (1 - s) on the sigmoid gates, 1 - g^2 on the candidate.
    Returns (N, 4H).
    """
    # BEGIN EXERCISE 12
    xp = array_module(gates)
    scale, shift = _gate_scale_and_shift(gates.shape[-1] // 4, gates.dtype, xp)
    centred = gates - shift
    centred *= centred
    return scale * scale - centred
    # END EXERCISE 12


def lstm_step_forward_fused(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step with one GEMM per input for all four gates.

    x: (N, D); prev_h, prev_c: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
    Returns next_h (N, H), next_c (N, H) and a cache holding every entry of
    lstm_step_forward's ('i', 'f', 'g', 'o', 'c', 'h', 'tanh_c', the inputs).
    """
    check_recurrent_inputs(x, prev_h, Wx, Wh, b, blocks=4, c0=prev_c)
    a, affine_cache = gate_affine_forward(x, prev_h, Wx, Wh, b)
    gates = activate_gates(a)
    next_h, next_c, tanh_c = state_update_forward(gates, prev_c)
    cache = {name: gate_block(gates, name) for name in GATES}
    cache.update(c=next_c, h=next_h, gates=gates, prev_c=prev_c, tanh_c=tanh_c, affine_cache=affine_cache,
                 x=x, prev_h=prev_h, Wx=Wx, Wh=Wh)
    return next_h, next_c, cache


def lstm_step_backward_fused(dnext_h, dnext_c, cache):
    """Backward through lstm_step_forward_fused.

    dnext_h, dnext_c: (N, H).
    Returns dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    da, dprev_c = state_update_backward(dnext_h, dnext_c, cache["gates"], cache["prev_c"], cache["tanh_c"])
    dx, dprev_h, dWx, dWh, db = gate_affine_backward(da, cache["affine_cache"])
    return dx, dprev_h, dprev_c, dWx, dWh, db
