"""The still pictures of lstm.figures show the numbers they claim to show."""

import numpy as np
from matplotlib.figure import Figure

from lstm.figures import draw_memory_under_forget_gate, draw_what_a_step_writes
from tests.golden import logistic


def test_what_a_step_writes_is_sigmoid_of_the_row_times_tanh_of_the_column():
    image = draw_what_a_step_writes(Figure().subplots(), limit=3.0, points=7)
    a = np.linspace(-3, 3, 7)
    expected = logistic(a)[:, None] * np.tanh(a)[None, :]  # row: a_i, column: a_g
    np.testing.assert_allclose(image.get_array(), expected, rtol=1e-12, atol=1e-15)
    assert image.get_extent() == [-3.0, 3.0, -3.0, 3.0]


def test_memory_under_a_constant_forget_gate_decays_as_its_power():
    axes = Figure().subplots()
    lines = draw_memory_under_forget_gate(axes, (0.5, 0.9), steps=6)
    for line, f in zip(lines, (0.5, 0.9), strict=True):
        steps, memory = line.get_data()
        np.testing.assert_array_equal(steps, np.arange(7))
        np.testing.assert_allclose(memory, f ** np.arange(7), rtol=1e-14)
    # ln 0.5 / ln 0.9 = 6.58: the label says how many steps halve the memory.
    assert "halves every 6.6 steps" in lines[1].get_label()
