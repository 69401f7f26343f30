"""The decoder's recurrent cell: a choice recorded in its config ("lstm" or "gru").

Each cell offers the decoder the same operations, so that the decoder's forward pass is written
once whichever cell it runs:

    params(input_size, hidden_size, rng, xp, dtype) -> {name: array}   its own parameters
    sequence_forward(x, state, p)  -> h (N, T, H), cache               all steps, inputs known
    sequence_backward(dh, cache)   -> dx, dstate, grads
    step_forward(x, state, p)      -> state, cache                     one step
    step_backward(dstate, cache)   -> dx, dprev_state, grads
    recorded(cache)                -> {gate letter: activations}       for pictures and inspection

A state is a dict of (N, H) arrays under `state_names`: the LSTM carries h and c, the GRU h only.
The functions themselves are the lstm package's; a cell only names them, which is why the two
classes below look alike line for line.
"""

import numpy

from lstm import (
    GATES,
    GRU_GATES,
    gate_columns,
    gru_backward,
    gru_forward,
    gru_step_backward_fused,
    gru_step_forward_fused,
    lstm_backward_with_cell,
    lstm_forward_with_cell,
    lstm_step_backward_fused,
    lstm_step_forward_fused,
)
from numerics.validation import InputError


class LSTMCell:
    name = "lstm"
    state_names = ("h", "c")
    recorded_names = (*GATES, "c", "h")

    @staticmethod
    def params(input_size, hidden_size, rng, xp, dtype):
        """Wx: (D, 4H), Wh: (H, 4H), b: (4H,) with the forget gate's bias at 1 (remember by default)."""
        D, H = input_size, hidden_size
        b = xp.zeros(4 * H, dtype=dtype)
        b[gate_columns("f", H)] = 1.0
        Wx = scaled_normal(rng, (D, 4 * H), D, xp, dtype)
        Wh = scaled_normal(rng, (H, 4 * H), H, xp, dtype)
        return {"Wx": Wx, "Wh": Wh, "b": b}

    @staticmethod
    def sequence_forward(x, state, p):
        return lstm_forward_with_cell(x, state["h"], state["c"], p["Wx"], p["Wh"], p["b"])

    @staticmethod
    def sequence_backward(dh, cache):
        dx, dh0, dc0, dWx, dWh, db = lstm_backward_with_cell(dh, cache)
        return dx, {"h": dh0, "c": dc0}, {"Wx": dWx, "Wh": dWh, "b": db}

    @staticmethod
    def step_forward(x, state, p):
        h, c, cache = lstm_step_forward_fused(x, state["h"], state["c"], p["Wx"], p["Wh"], p["b"])
        return {"h": h, "c": c}, cache

    @staticmethod
    def step_backward(dstate, cache):
        dx, dh, dc, dWx, dWh, db = lstm_step_backward_fused(dstate["h"], dstate["c"], cache)
        return dx, {"h": dh, "c": dc}, {"Wx": dWx, "Wh": dWh, "b": db}

    @classmethod
    def recorded(cls, cache):
        return {name: cache[name] for name in cls.recorded_names}


class GRUCell:
    name = "gru"
    state_names = ("h",)
    recorded_names = (*GRU_GATES, "h")

    @staticmethod
    def params(input_size, hidden_size, rng, xp, dtype):
        """Wx: (D, 3H), Wh: (H, 3H), bx, bh: (3H,), blocks in the order lstm.GRU_GATES."""
        D, H = input_size, hidden_size
        Wx = scaled_normal(rng, (D, 3 * H), D, xp, dtype)
        Wh = scaled_normal(rng, (H, 3 * H), H, xp, dtype)
        return {"Wx": Wx, "Wh": Wh, "bx": xp.zeros(3 * H, dtype=dtype), "bh": xp.zeros(3 * H, dtype=dtype)}

    @staticmethod
    def sequence_forward(x, state, p):
        return gru_forward(x, state["h"], p["Wx"], p["Wh"], p["bx"], p["bh"])

    @staticmethod
    def sequence_backward(dh, cache):
        dx, dh0, dWx, dWh, dbx, dbh = gru_backward(dh, cache)
        return dx, {"h": dh0}, {"Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}

    @staticmethod
    def step_forward(x, state, p):
        h, cache = gru_step_forward_fused(x, state["h"], p["Wx"], p["Wh"], p["bx"], p["bh"])
        return {"h": h}, cache

    @staticmethod
    def step_backward(dstate, cache):
        dx, dh, dWx, dWh, dbx, dbh = gru_step_backward_fused(dstate["h"], cache)
        return dx, {"h": dh}, {"Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}

    @classmethod
    def recorded(cls, cache):
        return {name: cache[name] for name in cls.recorded_names}


CELLS = {cell.name: cell for cell in (LSTMCell, GRUCell)}


def cell_named(name):
    """The cell class called `name`; ValueError lists the choices otherwise."""
    if name not in CELLS:
        raise InputError(f"unknown recurrent cell {name!r}; expected one of {tuple(CELLS)}")
    return CELLS[name]


def scaled_normal(rng, shape, fan_in, xp, dtype):
    """Normal weights scaled by 1/sqrt(fan_in): each layer's output variance stays near its input's."""
    return xp.asarray(rng.standard_normal(shape) / numpy.sqrt(fan_in), dtype=dtype)
