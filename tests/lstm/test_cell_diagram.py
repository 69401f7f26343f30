"""The whole-cell diagram draws one frame per time step, and every number on it is the LSTM's."""

import numpy as np
import pytest
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure
from PIL import Image

import lstm
from lstm.animations import example_sequence, trace_sequence
from lstm.cell_diagram import STRIPS, CellDiagram, animate_lstm_cell

# The diagram steps the LSTM gate by gate: course exercises 1-4 (the gate forwards).
GATE_FORWARDS = pytest.mark.needs_exercises(1, 2, 3, 4)


def independent_values(sequence):
    """{strip name: (T, n) values} from the fused step, which shares no gate code with the diagram."""
    rows = {name: [] for name in STRIPS}
    prev_h, prev_c = sequence["h0"], sequence["c0"]
    for t in range(sequence["x"].shape[1]):
        x = sequence["x"][:, t]
        weights = (sequence["Wx"], sequence["Wh"], sequence["b"])
        h, c, cache = lstm.lstm_step_forward_fused(x, prev_h, prev_c, *weights)
        gates = {name: cache[name] for name in lstm.GATES}
        step = {"x_t": x, "h_prev": prev_h, "c_prev": prev_c, **gates, "tanh(c)": np.tanh(c), "c": c, "h": h}
        for name in STRIPS:
            rows[name].append(step[name][0])
        prev_h, prev_c = h, c
    return {name: np.stack(values) for name, values in rows.items()}


def shown(strip):
    """The values a strip's image holds and the numbers written on it, in unit order."""
    return np.ravel(strip.image.get_array()), [text.get_text() for text in strip.texts]


@GATE_FORWARDS
def test_gif_has_one_frame_per_time_step_ending_on_the_last_steps_numbers(tmp_path):
    sequence = example_sequence(steps=3, seed=5)
    animation = animate_lstm_cell(sequence)
    animation.save(tmp_path / "cell.gif", writer=PillowWriter(fps=2), dpi=30)
    with Image.open(tmp_path / "cell.gif") as gif:
        assert gif.n_frames == 3

    expected = independent_values(sequence)
    images = {image.get_label(): image for axes in animation._fig.axes for image in axes.images}
    assert set(images) == set(STRIPS)
    for name, image in images.items():
        np.testing.assert_allclose(np.ravel(image.get_array()), expected[name][-1], rtol=1e-12, err_msg=name)


@GATE_FORWARDS
def test_every_strip_shows_the_values_of_the_step_drawn():
    sequence = example_sequence(steps=4, seed=8)
    diagram = CellDiagram(Figure().add_subplot(), trace_sequence(sequence), units=3)
    expected = independent_values(sequence)
    for step in (0, 2, 3):
        diagram.show(step)
        for name, strip in diagram.strips.items():
            values, numbers = shown(strip)
            np.testing.assert_allclose(values, expected[name][step, :3], rtol=1e-12, err_msg=name)
            assert numbers == [f"{value:.2f}" for value in expected[name][step, :3]], name


@GATE_FORWARDS
def test_gates_sit_on_vertical_wires_and_states_on_horizontal_ones():
    diagram = CellDiagram(Figure().add_subplot(), trace_sequence(example_sequence(steps=2)))
    for name, strip in diagram.strips.items():
        vertical = STRIPS[name][3]
        rows, columns = strip.image.get_array().shape
        assert (rows, columns) == ((len(strip.texts), 1) if vertical else (1, len(strip.texts))), name
    assert {name for name, spec in STRIPS.items() if spec[3]} == {"x_t", "f", "i", "g", "o", "tanh(c)"}


def test_more_units_than_fit_is_refused():
    with pytest.raises(ValueError, match="units must be between 1 and 4"):
        animate_lstm_cell(example_sequence(steps=2, hidden_size=6), units=6)
