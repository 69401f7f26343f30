"""One colour per gate, used by every picture in the notebooks, the book and the demo.

A student who has seen the forget gate drawn in red once should find it red everywhere.
LINE_COLOURS are for curves and arrows; COLOUR_MAPS for heatmaps of a gate over time, each
running from white to the gate's own line colour. The sigmoid gates live in (0, 1), so theirs
are sequential maps. The candidates and the two states can be negative, so theirs are diverging
maps: white at 0, the quantity's own colour above it, and one shared colour (cyan, which no gate
uses) below it, so that "cyan means negative" holds in every picture. The GRU's reset gate r,
update gate z and candidate n have colours of their own, none shared with an LSTM gate: they are
different gates, even where they play a similar part (z keeps, like f).
"""

from matplotlib.colors import LinearSegmentedColormap

LINE_COLOURS = {
    "f": "tab:red",      # forget gate
    "i": "tab:green",    # input gate
    "g": "tab:purple",   # candidate
    "o": "tab:blue",     # output gate
    "c": "tab:orange",   # cell state
    "h": "tab:gray",     # hidden state
    "r": "tab:olive",    # GRU reset gate
    "z": "tab:brown",    # GRU update gate
    "n": "tab:pink",     # GRU candidate
}

NEGATIVE_COLOUR = "tab:cyan"

NAMES = {
    "f": "forget gate f",
    "i": "input gate i",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
    "r": "reset gate r",
    "z": "update gate z",
    "n": "candidate n",
}



def _sequential(name):
    """White at 0, the line colour of name at 1."""
    return LinearSegmentedColormap.from_list(f"lstm_{name}", ["white", LINE_COLOURS[name]])


def _diverging(name):
    """NEGATIVE_COLOUR at the low end, white in the middle, the line colour of name at the high end."""
    return LinearSegmentedColormap.from_list(
        f"lstm_{name}", [NEGATIVE_COLOUR, "white", LINE_COLOURS[name]]
    )


# Activations that can be negative (tanh's outputs and the cell state): a diverging map, white at 0.
SIGNED = ("g", "c", "h", "n")

COLOUR_MAPS = {
    "f": "Reds",
    "i": "Greens",
    "g": _diverging("g"),
    "o": "Blues",
    "c": _diverging("c"),
    "h": _diverging("h"),
    "r": _sequential("r"),
    "z": "YlOrBr",
    "n": _diverging("n"),
}

# The three recurrent cells in pictures that compare them: the RNN in the hidden state's
# grey, the LSTM in its cell state's orange, the GRU in its update gate's brown.
CELL_COLOURS = {"rnn": LINE_COLOURS["h"], "gru": LINE_COLOURS["z"], "lstm": LINE_COLOURS["c"]}
CELL_NAMES = {"rnn": "vanilla RNN", "gru": "GRU", "lstm": "LSTM"}
