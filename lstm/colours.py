"""One colour per gate, used by every picture in the notebooks, the book and the demo.

A student who has seen the forget gate drawn in red once should find it red everywhere.
LINE_COLOURS are for curves and arrows; COLOUR_MAPS for heatmaps of a gate over time
(sequential maps for the sigmoid gates in (0, 1), a diverging one for the candidates and
the states, which live in (-1, 1) or beyond). The GRU's reset gate r, update gate z and
candidate n have colours of their own, none shared with an LSTM gate: they are different
gates, even where they play a similar part (z keeps, like f).
"""

LINE_COLOURS = {
    "f": "tab:red",      # forget gate
    "i": "tab:green",    # input gate
    "g": "tab:purple",   # candidate
    "o": "tab:blue",     # output gate
    "c": "tab:orange",   # cell state
    "h": "tab:gray",     # hidden state
    "r": "tab:cyan",     # GRU reset gate
    "z": "tab:brown",    # GRU update gate
    "n": "tab:pink",     # GRU candidate
}

COLOUR_MAPS = {
    "f": "Reds",
    "i": "Greens",
    "g": "PuOr_r",
    "o": "Blues",
    "c": "PuOr_r",
    "h": "PuOr_r",
    "r": "GnBu",
    "z": "YlOrBr",
    "n": "PiYG",
}

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

# The three recurrent cells in pictures that compare them: the RNN in the hidden state's
# grey, the LSTM in its cell state's orange, the GRU in its update gate's brown.
CELL_COLOURS = {"rnn": LINE_COLOURS["h"], "gru": LINE_COLOURS["z"], "lstm": LINE_COLOURS["c"]}
CELL_NAMES = {"rnn": "vanilla RNN", "gru": "GRU", "lstm": "LSTM"}
