"""One colour per gate, used by every picture in the notebooks, the book and the demo.

A student who has seen the forget gate drawn in red once should find it red everywhere.
LINE_COLOURS are for curves and arrows; COLOUR_MAPS for heatmaps of a gate over time, each
running from white to the gate's own line colour. The sigmoid gates live in (0, 1), so theirs
are sequential maps. The candidate and the two states can be negative, so theirs are diverging
maps: white at 0, the quantity's own colour above it, and one shared colour (cyan, which no gate
uses) below it, so that "cyan means negative" holds in every picture.
"""

from matplotlib.colors import LinearSegmentedColormap

LINE_COLOURS = {
    "f": "tab:red",      # forget gate
    "i": "tab:green",    # input gate
    "g": "tab:purple",   # candidate
    "o": "tab:blue",     # output gate
    "c": "tab:orange",   # cell state
    "h": "tab:gray",     # hidden state
}

NEGATIVE_COLOUR = "tab:cyan"

NAMES = {
    "f": "forget gate f",
    "i": "input gate i",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
}


def _diverging(name):
    """NEGATIVE_COLOUR at the low end, white in the middle, the line colour of name at the high end."""
    return LinearSegmentedColormap.from_list(
        f"lstm_{name}", [NEGATIVE_COLOUR, "white", LINE_COLOURS[name]]
    )


COLOUR_MAPS = {
    "f": "Reds",
    "i": "Greens",
    "g": _diverging("g"),
    "o": "Blues",
    "c": _diverging("c"),
    "h": _diverging("h"),
}
