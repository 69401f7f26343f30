"""The animated figures draw every frame, and the numbers on their last frame are the LSTM's.

Also the still heatmap of lstm.figures that the notebooks share.
"""

import numpy as np
import pytest
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure
from PIL import Image

import lstm
from lstm import animations
from lstm.figures import draw_over_time
from tests.golden import logistic

STEPS = 3


def last(cache, name, back=1):
    """Sample 0's cache[name] on the last step (back=2: on the step before it)."""
    return cache[name][0, -back]


GATE_ANIMATIONS = {  # function: panels per step, and {column label: what it must show on the last step}
    "animate_forget_gate": (3, lambda c: {"f": last(c, "f"), "f * c_prev": last(c, "f") * last(c, "c", 2)}),
    "animate_input_gate": (3, lambda c: {"i": last(c, "i"), "i * g": last(c, "i") * last(c, "g")}),
    "animate_cell_state": (4, lambda c: {"c": last(c, "c"), "c_prev": last(c, "c", 2)}),
    "animate_output_gate": (3, lambda c: {"tanh(c)": np.tanh(last(c, "c")), "h = o * tanh(c)": last(c, "h")}),
}


def save_gif(animation, path):
    """Draw every frame into a GIF; returns its number of frames."""
    animation.save(path, writer=PillowWriter(fps=4), dpi=30)
    with Image.open(path) as gif:
        return gif.n_frames


def drawn_image(animation, label):
    """The data of the image labelled `label` as the figure shows it now (the last frame drawn)."""
    figure = animation._fig  # matplotlib keeps the figure of an Animation here
    images = [image for axes in figure.axes for image in axes.images if image.get_label() == label]
    assert len(images) >= 1, f"no image labelled {label!r}"
    return np.asarray(images[-1].get_array())


# The animations step the LSTM gate by gate: course exercises 1-4 (the gate forwards).
GATE_FORWARDS = pytest.mark.needs_exercises(1, 2, 3, 4)


@GATE_FORWARDS
@pytest.mark.parametrize("name", GATE_ANIMATIONS)
def test_gate_animation_draws_every_frame_and_shows_the_lstm_numbers(tmp_path, name):
    panels, expected = GATE_ANIMATIONS[name]
    sequence = animations.example_sequence(steps=STEPS, seed=5)
    animation = getattr(animations, name)(sequence)
    assert save_gif(animation, tmp_path / f"{name}.gif") == STEPS * panels

    # The fused sequence path is independent of the gate-by-gate steps the animation runs.
    _, cache = lstm.lstm_forward_with_cell(*(sequence[k] for k in ("x", "h0", "c0", "Wx", "Wh", "b")))
    for label, values in expected(cache).items():
        np.testing.assert_allclose(drawn_image(animation, label)[:, 0], values, rtol=1e-12, err_msg=label)


@GATE_FORWARDS
def test_cell_state_highway_shows_c_at_every_step(tmp_path):
    sequence = animations.example_sequence(steps=STEPS, seed=6)
    animation = animations.animate_cell_state(sequence)
    save_gif(animation, tmp_path / "cell.gif")
    _, cache = lstm.lstm_forward_with_cell(*(sequence[k] for k in ("x", "h0", "c0", "Wx", "Wh", "b")))
    np.testing.assert_allclose(drawn_image(animation, "the highway: c over time"), cache["c"][0].T,
                               rtol=1e-12)


@GATE_FORWARDS
def test_trace_matches_the_fused_lstm():
    # The trace runs the gate-by-gate step; the fused step shares none of its gate code.
    sequence = animations.example_sequence(steps=4, seed=7)
    trace = animations.trace_sequence(sequence)
    prev_h, prev_c = sequence["h0"], sequence["c0"]
    for t in range(4):
        np.testing.assert_allclose(trace["c_prev"][t], prev_c[0], rtol=1e-12)
        prev_h, prev_c, gates = lstm.lstm_step_forward_fused(sequence["x"][:, t], prev_h, prev_c,
                                                             sequence["Wx"], sequence["Wh"], sequence["b"])
        for name in ("i", "f", "g", "o"):
            np.testing.assert_allclose(trace[name][t], gates[name][0], rtol=1e-12)
        np.testing.assert_allclose(trace["c"][t], prev_c[0], rtol=1e-12)
        np.testing.assert_allclose(trace["h"][t], prev_h[0], rtol=1e-12)
    np.testing.assert_allclose(trace["f"], logistic(trace["a_f"]), rtol=1e-12)


def test_squashing_ends_at_sigmoid_and_tanh_of_the_values(tmp_path):
    values = np.array([-4.0, -0.5, 0.0, 2.0, 5.0])
    animation = animations.animate_squashing(values, frames=12)
    save_gif(animation, tmp_path / "squash.gif")
    dots = [collection.get_offsets() for axes in animation._fig.axes for collection in axes.collections
            if collection.get_label() == "a value a"]
    assert len(dots) == 2
    np.testing.assert_allclose(dots[0], np.column_stack([logistic(values), np.zeros(5)]), atol=1e-12)
    np.testing.assert_allclose(dots[1], np.column_stack([np.tanh(values), np.zeros(5)]), atol=1e-12)


def test_draw_over_time_puts_units_down_and_steps_across():
    values = np.linspace(-3, 2, 24).reshape(6, 4)  # (T, H), largest magnitude 3
    axes = Figure().subplots()
    image = draw_over_time(axes, values, "c")
    np.testing.assert_array_equal(image.get_array(), values.T)
    assert image.get_clim() == (-3, 3)  # symmetric around 0 for the cell state
    assert image.colorbar.ax.get_ylabel() == "cell state c"
    assert draw_over_time(Figure().subplots(), values, "f").get_clim() == (0, 1)
