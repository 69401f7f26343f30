"""One colour per gate, used by every picture in the notebooks, the book and the demo.

A student who has seen the forget gate drawn in red once should find it red everywhere.
LINE_COLOURS are for curves and arrows; COLOUR_MAPS for heatmaps of a gate over time
(sequential maps for the sigmoid gates in (0, 1), a diverging one for the candidate and
the states, which live in (-1, 1) or beyond).
"""

LINE_COLOURS = {
    "f": "tab:red",      # forget gate
    "i": "tab:green",    # input gate
    "g": "tab:purple",   # candidate
    "o": "tab:blue",     # output gate
    "c": "tab:orange",   # cell state
    "h": "tab:gray",     # hidden state
}

COLOUR_MAPS = {
    "f": "Reds",
    "i": "Greens",
    "g": "PuOr_r",
    "o": "Blues",
    "c": "PuOr_r",
    "h": "PuOr_r",
}

NAMES = {
    "f": "forget gate f",
    "i": "input gate i",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}
