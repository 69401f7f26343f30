"""The GRU animation draws every frame and shows the GRU's numbers; the GRU has colours of its own."""

import numpy as np
import pytest

import lstm
from lstm import gru_animation
from lstm.colours import COLOUR_MAPS, LINE_COLOURS, NAMES
from tests.golden import logistic
from tests.lstm.test_animations import drawn_image, save_gif

STEPS = 3
SEQUENCE_NAMES = ("x", "h0", "Wx", "Wh", "bx", "bh")


@pytest.mark.needs_exercises(19)
def test_gru_animation_draws_every_frame_and_shows_the_gru_numbers(tmp_path):
    sequence = gru_animation.example_gru_sequence(steps=STEPS, seed=5)
    animation = gru_animation.animate_gru_gates(sequence)
    assert save_gif(animation, tmp_path / "gru.gif") == STEPS * 4
    # The fused sequence path is independent of the gate-by-gate steps the animation runs.
    hidden, cache = lstm.gru_forward(*(sequence[k] for k in SEQUENCE_NAMES))
    last = {name: cache[name][0, -1] for name in ("r", "z", "n", "h")}
    h_prev = hidden[0, -2]
    expected = {"r": last["r"], "z": last["z"], "n": last["n"], "h": last["h"], "h_prev": h_prev,
                "r * hn": last["r"] * (h_prev @ lstm.gru_gate_block(sequence["Wh"], "n")
                                       + lstm.gru_gate_block(sequence["bh"], "n"))}
    for label, values in expected.items():
        np.testing.assert_allclose(drawn_image(animation, label)[:, 0], values, rtol=1e-12, err_msg=label)


@pytest.mark.needs_exercises(19)
def test_trace_matches_the_fused_gru():
    sequence = gru_animation.example_gru_sequence(steps=4, seed=7)
    trace = gru_animation.trace_gru_sequence(sequence)
    prev_h = sequence["h0"]
    for t in range(4):
        np.testing.assert_allclose(trace["h_prev"][t], prev_h[0], rtol=1e-12)
        weights = (sequence[k] for k in SEQUENCE_NAMES[2:])
        prev_h, gates = lstm.gru_step_forward_fused(sequence["x"][:, t], prev_h, *weights)
        for name in ("r", "z", "n"):
            np.testing.assert_allclose(trace[name][t], gates[name][0], rtol=1e-12)
        np.testing.assert_allclose(trace["h"][t], prev_h[0], rtol=1e-12)
    np.testing.assert_allclose(trace["r"], logistic(trace["a_r"]), rtol=1e-12)
    np.testing.assert_allclose(trace["z"], logistic(trace["a_z"]), rtol=1e-12)


def test_gru_gates_have_colours_no_lstm_gate_has():
    lstm_gates, gru_gates = ("i", "f", "g", "o", "c", "h"), ("r", "z", "n")
    assert not {LINE_COLOURS[name] for name in gru_gates} & {LINE_COLOURS[name] for name in lstm_gates}
    assert len({LINE_COLOURS[name] for name in gru_gates}) == 3
    maps = {name: str(COLOUR_MAPS[name]) if isinstance(COLOUR_MAPS[name], str) else COLOUR_MAPS[name].name
            for name in (*lstm_gates, *gru_gates)}
    assert not {maps[name] for name in gru_gates} & {maps[name] for name in lstm_gates}
    assert len({maps[name] for name in gru_gates}) == 3
    assert [NAMES[name] for name in gru_gates] == ["reset gate r", "update gate z", "candidate n"]
