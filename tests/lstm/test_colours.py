"""lstm.colours keeps its promise: one colour per gate, in its lines and in its heatmaps."""

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Colormap, to_rgba

from lstm.colours import COLOUR_MAPS, LINE_COLOURS, NAMES, NEGATIVE_COLOUR


def colour_map(name):
    entry = COLOUR_MAPS[name]
    return entry if isinstance(entry, Colormap) else colormaps[entry]


def test_every_gate_and_state_has_its_own_line_colour_and_colour_map():
    # the LSTM's four gates and two states, and the GRU's three parts
    assert set(LINE_COLOURS) == set(COLOUR_MAPS) == set(NAMES) == set("ifgochrzn")
    assert len(set(LINE_COLOURS.values())) == 9
    samples = {name: tuple(np.round(colour_map(name)(np.linspace(0, 1, 9)), 6).ravel()) for name in NAMES}
    assert len(set(samples.values())) == 9, "two gates share a colour map"


def test_signed_quantities_run_from_the_negative_colour_through_white_to_their_own():
    for name in "gchn":
        cmap = colour_map(name)
        np.testing.assert_allclose(cmap(0.0), to_rgba(NEGATIVE_COLOUR), atol=1e-2)
        np.testing.assert_allclose(cmap(0.5), to_rgba("white"), atol=1e-2)
        np.testing.assert_allclose(cmap(1.0), to_rgba(LINE_COLOURS[name]), atol=1e-2)
    assert NEGATIVE_COLOUR not in LINE_COLOURS.values()
