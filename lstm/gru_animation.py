"""The GRU's reset and update gates, animated on real numbers.

Built from the same panels as lstm.animations (imported from there, not redrawn here),
and saved or shown the same way: `animation.save("gru.gif", writer=PillowWriter(fps=1.5))`
or `IPython.display.HTML(animation.to_jshtml())`. Every number drawn comes from the
project's own functions: the example sequence runs through gru_step_forward (which calls
reset_gate_forward, update_gate_forward, gru_candidate_forward, gru_hidden_state_forward)
a step at a time. Each gate has its own colour from lstm.colours: the reset gate r, the
update gate z and the candidate n are never drawn in an LSTM gate's colour.
"""

import numpy

from lstm.animations import (
    _animate_stages,
    _CellColumns,
    _Column,
    _Curve,
    _figure,
    _input_panel,
    _SquashCurves,
    _symmetric_limits,
)
from lstm.colours import NAMES
from lstm.gate_affine import gate_affine_forward
from lstm.gru_layout import gru_gate_block, gru_gate_weights
from lstm.gru_step import gru_step_forward
from numerics import selected, to_host


def example_gru_sequence(steps=8, input_size=3, hidden_size=4, seed=0, xp=None):
    """A small GRU and an input sequence for it, from a seed.

    steps: T; input_size: D; hidden_size: H; xp: array module (the selected one by default).
    Returns a dict of float64 arrays: x (1, T, D), h0 (1, H) (not zero, so that there is a
    past to keep or to reset from the first step), Wx (D, 3H), Wh (H, 3H), bx, bh (3H,), the
    blocks in the order lstm.GRU_GATES. The update gate's bias is raised by 1, as lstm.demo
    starts training: the cell keeps more of its past than it takes of the candidate.
    """
    xp = xp or selected()
    rng = numpy.random.default_rng(seed)
    arrays = {
        "x": rng.standard_normal((1, steps, input_size)),
        "h0": rng.uniform(-0.9, 0.9, (1, hidden_size)),
        "Wx": rng.standard_normal((input_size, 3 * hidden_size)),
        "Wh": rng.standard_normal((hidden_size, 3 * hidden_size)),
        "bx": rng.standard_normal(3 * hidden_size) * 0.5,
        "bh": rng.standard_normal(3 * hidden_size) * 0.5,
    }
    gru_gate_block(arrays["bx"], "z")[:] += 1.0
    return {name: xp.asarray(value) for name, value in arrays.items()}


def trace_gru_sequence(sequence):
    """Run a GRU step by step and keep every number the animation shows.

    sequence: dict as from example_gru_sequence (x (N, T, D), h0 (N, H), Wx, Wh, bx, bh).
    Row 0 of the batch is traced. Returns a dict of host NumPy arrays, one row per step:
    'x' (T, D); 'h_prev' (T, H), the state each step starts from; 'a_r', 'a_z' (T, H), the
    two gates' pre-activations; 'r', 'z', 'n', 'h' and 'hn' (T, H), as gru_step_forward's
    cache holds them (hn = h_prev Wh_n + bh_n, the candidate's view of the past).
    """
    x, prev_h = sequence["x"], sequence["h0"]
    weights = (sequence["Wx"], sequence["Wh"], sequence["bx"], sequence["bh"])
    rows = {}

    def keep(key, value):
        rows.setdefault(key, []).append(to_host(value[0]))

    for t in range(x.shape[1]):
        keep("x", x[:, t])
        keep("h_prev", prev_h)
        for name in ("r", "z"):
            Wx_k, Wh_k, bx_k, bh_k = gru_gate_weights(*weights, name)
            keep("a_" + name, gate_affine_forward(x[:, t], prev_h, Wx_k, Wh_k, bx_k + bh_k)[0])
        prev_h, cache = gru_step_forward(x[:, t], prev_h, *weights)
        for name in ("r", "z", "n", "h", "hn"):
            keep(name, cache[name])
    return {key: numpy.stack(values) for key, values in rows.items()}


def animate_gru_gates(sequence=None):
    """The reset and the update gate at every step, from [h_prev, x_t] to the new h.

    sequence: dict as from example_gru_sequence (default example_gru_sequence()); row 0 is drawn.
    Panels: 1. the stacked input [h_prev, x_t]; 2. the sigmoid curve with each unit's (a_r, r)
    and (a_z, z) as dots; 3. the reset gate at work: columns hn, r, r * hn and the candidate
    n = tanh(x Wx_n + bx_n + r * hn) (labels 'hn', 'r', 'r * hn', 'n'); 4. the update gate at
    work: columns h_prev, z, n and h = (1 - z) * n + z * h_prev (labels 'h_prev', 'z', 'n',
    'h'). Every cell shows its number. 4 frames per step. Returns a FuncAnimation.
    """
    trace = trace_gru_sequence(sequence if sequence is not None else example_gru_sequence())
    past = _symmetric_limits(trace["hn"])
    state = _symmetric_limits(trace["h_prev"], trace["h"])
    figure, axes = _figure((1.2, 2.6, 2.2, 2.2))
    panels = [
        _input_panel(axes[0], trace),
        _SquashCurves(axes[1], "2. r = sigmoid(a_r),  z = sigmoid(a_z)", [
            _Curve(NAMES["r"], "r", "sigmoid", trace["a_r"], trace["r"]),
            _Curve(NAMES["z"], "z", "sigmoid", trace["a_z"], trace["z"]),
        ]),
        _CellColumns(axes[2], "3. reset: n = tanh(x Wx_n + bx_n + r * hn)", [
            _Column("hn", trace["hn"], "h", past),
            _Column("r", trace["r"], "r", (0, 1)),
            _Column("r * hn", trace["r"] * trace["hn"], "h", past),
            _Column("n", trace["n"], "n", (-1, 1)),
        ]),
        _CellColumns(axes[3], "4. update: h = (1 - z) * n + z * h_prev", [
            _Column("h_prev", trace["h_prev"], "h", state),
            _Column("z", trace["z"], "z", (0, 1)),
            _Column("n", trace["n"], "n", (-1, 1)),
            _Column("h", trace["h"], "h", state),
        ]),
    ]
    return _animate_stages(figure, panels, len(trace["x"]), "GRU: reset and update gates")
