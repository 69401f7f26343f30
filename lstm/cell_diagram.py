"""The whole LSTM cell in one picture, with a real sequence's numbers flowing through it.

The diagram every LSTM course draws, read from the bottom left: h_prev and x_t join into
[h_prev, x_t], which feeds the four gates (sigmoid for f, i and o; tanh for the candidate g).
Along the top runs the cell-state highway: the old memory c_prev is multiplied by f, then
i * g is added, giving the new c. On the right, tanh(c) is multiplied by o: the new hidden
state h, the cell's output and the next step's h_prev.

On every wire sits a strip of the numbers it carries, one cell per hidden unit (the first
`units` of them), coloured like every other picture of that gate (lstm.colours). They come
from lstm.animations.trace_sequence, which runs lstm_step_forward one step at a time, so the
picture shows exactly what the code computes. animate_lstm_cell moves through the sequence
one frame per time step; save it with PillowWriter or show it with to_jshtml, like the gate
animations of lstm.animations.
"""

from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

from lstm.animations import (
    FRAME_MILLISECONDS,
    _Column,
    _fixed_layout_animation,
    _symmetric_limits,
    _text_colour,
    _trace_of,
)
from lstm.colours import COLOUR_MAPS, LINE_COLOURS

CELL = 0.42  # height of one unit's cell in a vertical strip (data units)
WIDE_CELL = 0.75  # width of one unit's cell in a horizontal strip
HIGHWAY_Y, BUS_Y, GATE_Y, GATE_STRIP_Y, HIDDEN_Y = 12.3, 3.0, 4.6, 7.0, 5.8
GATE_X = {"f": 6.5, "i": 9.0, "g": 11.0, "o": 14.3}
WRITE_NODE, FORGET_NODE, ADD_NODE = (10.0, 9.8), (6.5, HIGHWAY_Y), (10.0, HIGHWAY_Y)
TANH_BOX, HIDDEN_NODE = (16.6, 11.15), (16.6, 8.2)
WIRE_GREY = "0.35"
NODE_RADIUS = 0.32

# strip name: (trace key, colour key, centre, vertical, label)
STRIPS = {
    "x_t": ("x", "h", (5.0, 1.2), True, "x_t"),
    "h_prev": ("h_prev", "h", (1.8, BUS_Y), False, "h_prev"),
    "c_prev": ("c_prev", "c", (1.8, HIGHWAY_Y), False, "c_prev"),
    "f": ("f", "f", (GATE_X["f"], GATE_STRIP_Y), True, "f"),
    "i": ("i", "i", (GATE_X["i"], GATE_STRIP_Y), True, "i"),
    "g": ("g", "g", (GATE_X["g"], GATE_STRIP_Y), True, "g"),
    "o": ("o", "o", (GATE_X["o"], GATE_STRIP_Y), True, "o"),
    "tanh(c)": ("tanh_c", "c", (TANH_BOX[0], 9.66), True, "tanh(c)"),
    "c": ("c", "c", (20.2, HIGHWAY_Y), False, "c"),
    "h": ("h", "h", (20.2, HIDDEN_Y), False, "h"),
}


class _Strip:
    """A quantity's values on a wire: one coloured, numbered cell per unit.

    axes: the diagram's Axes; column: an lstm.animations._Column (label, values (T, n),
    colour, limits); centre: (x, y) in data units; vertical: cells stacked downwards
    (unit 1 on top) or side by side (unit 1 on the left).
    """

    def __init__(self, axes, column, centre, vertical):
        self.column = column
        count = column.values.shape[1]
        width, height = (0.95, CELL * count) if vertical else (WIDE_CELL * count, 0.55)
        left, bottom = centre[0] - width / 2, centre[1] - height / 2
        self.image = axes.imshow(self._shaped(column.values[0], vertical),
                                 cmap=COLOUR_MAPS[column.colour], norm=Normalize(*column.limits),
                                 extent=(left, left + width, bottom, bottom + height),
                                 aspect="auto", interpolation="nearest", zorder=3)
        self.image.set_label(column.label)
        self.vertical = vertical
        step = height / count if vertical else width / count
        places = [(centre[0], bottom + height - step * (k + 0.5)) if vertical
                  else (left + step * (k + 0.5), centre[1]) for k in range(count)]
        self.texts = [axes.text(x, y, "", ha="center", va="center", fontsize=7, zorder=4)
                      for x, y in places]
        label_place = (left - 0.12, bottom + height) if vertical else (left, bottom + height + 0.1)
        axes.text(*label_place, column.label, ha="right" if vertical else "left",
                  va="top" if vertical else "bottom", fontsize=9, fontweight="bold",
                  color=LINE_COLOURS[column.colour], zorder=4)

    @staticmethod
    def _shaped(values, vertical):
        return values[:, None] if vertical else values[None, :]

    def show(self, step):
        values = self.column.values[step]
        self.image.set_data(self._shaped(values, self.vertical))
        for text, value in zip(self.texts, values):
            text.set_text(f"{value:.2f}")
            text.set_color(_text_colour(self.image, value))


def _wire(axes, points, colour, lw=1.5, arrow=True):
    """A polyline through points, with an arrowhead at its end unless arrow is False."""
    xs, ys = zip(*points)
    axes.plot(xs, ys, color=colour, lw=lw, zorder=1, solid_capstyle="butt")
    if arrow:
        axes.annotate("", xy=points[-1], xytext=points[-2], zorder=2,
                      arrowprops={"arrowstyle": "-|>", "color": colour, "lw": lw, "shrinkA": 0, "shrinkB": 0})


def _node(axes, centre, symbol):
    """A pointwise operation: a circle with × or + in it."""
    axes.add_patch(Circle(centre, NODE_RADIUS, facecolor="white", edgecolor="black", lw=1.2, zorder=5))
    axes.text(*centre, symbol, ha="center", va="center", fontsize=13, zorder=6)


def _squash_box(axes, centre, text, colour):
    """A layer: a rounded box in the gate's colour holding 'σ' or 'tanh'."""
    axes.add_patch(FancyBboxPatch((centre[0] - 0.6, centre[1] - 0.35), 1.2, 0.7,
                                  boxstyle="round,pad=0.05", facecolor=LINE_COLOURS[colour],
                                  alpha=0.3, edgecolor="none", zorder=5))
    axes.add_patch(FancyBboxPatch((centre[0] - 0.6, centre[1] - 0.35), 1.2, 0.7, boxstyle="round,pad=0.05",
                                  facecolor="none", edgecolor=LINE_COLOURS[colour], lw=1.5, zorder=5))
    axes.text(*centre, text, ha="center", va="center", fontsize=11, zorder=6)


def _gate_output(axes, name, node):
    """The wire from a gate's box up to the node that uses it, turning once if it must."""
    x = GATE_X[name]
    start = (x, GATE_Y + 0.4)
    if x == node[0]:
        _wire(axes, [start, (x, node[1] - NODE_RADIUS)], LINE_COLOURS[name])
        return
    side = NODE_RADIUS if x > node[0] else -NODE_RADIUS
    _wire(axes, [start, (x, node[1]), (node[0] + side, node[1])], LINE_COLOURS[name])


def _draw_wires(axes):
    """Every wire, box and node of the cell; the strips go on top of them."""
    c, h = LINE_COLOURS["c"], LINE_COLOURS["h"]
    axes.add_patch(FancyBboxPatch((3.6, 2.2), 15.0, 11.2, boxstyle="round,pad=0.1,rounding_size=0.6",
                                  facecolor="0.97", edgecolor="0.6", lw=1, zorder=0))
    _wire(axes, [(0.2, HIGHWAY_Y), (21.8, HIGHWAY_Y)], c, lw=3)  # the highway
    _wire(axes, [(0.2, BUS_Y), (GATE_X["o"], BUS_Y)], WIRE_GREY, arrow=False)  # h_prev, then [h_prev, x_t]
    _wire(axes, [(5.0, 0.1), (5.0, BUS_Y)], WIRE_GREY)  # x_t joins it
    axes.text(7.6, BUS_Y - 0.45, "[h_prev, x_t]: every gate reads both", fontsize=8, color=WIRE_GREY)
    for name, x in GATE_X.items():
        _wire(axes, [(x, BUS_Y), (x, GATE_Y - 0.4)], WIRE_GREY)
        _squash_box(axes, (x, GATE_Y), "tanh" if name == "g" else "σ", name)
    for name, node in (("f", FORGET_NODE), ("i", WRITE_NODE), ("g", WRITE_NODE), ("o", HIDDEN_NODE)):
        _gate_output(axes, name, node)
    _wire(axes, [(WRITE_NODE[0], WRITE_NODE[1] + NODE_RADIUS), (ADD_NODE[0], ADD_NODE[1] - NODE_RADIUS)], c)
    _wire(axes, [(TANH_BOX[0], HIGHWAY_Y), (TANH_BOX[0], TANH_BOX[1] + 0.4)], c)
    _wire(axes, [(TANH_BOX[0], TANH_BOX[1] - 0.4), (HIDDEN_NODE[0], HIDDEN_NODE[1] + NODE_RADIUS)], c)
    below_hidden_node = (HIDDEN_NODE[0], HIDDEN_NODE[1] - NODE_RADIUS)
    _wire(axes, [below_hidden_node, (HIDDEN_NODE[0], HIDDEN_Y), (21.8, HIDDEN_Y)], h)
    _squash_box(axes, TANH_BOX, "tanh", "c")
    for centre, symbol in ((FORGET_NODE, "×"), (WRITE_NODE, "×"), (ADD_NODE, "+"), (HIDDEN_NODE, "×")):
        _node(axes, centre, symbol)
    notes = ((7.9, HIGHWAY_Y + 0.35, "keep: f * c_prev"), (10.4, HIGHWAY_Y + 0.35, "write: + i * g"),
             (17.0, 7.75, "h = o * tanh(c)"),
             (21.8, HIDDEN_Y - 0.75, "the output, and the next step's h_prev"))
    for x, y, text in notes:
        axes.text(x, y, text, fontsize=8, zorder=6, ha="right" if x > 20 else "left")


class CellDiagram:
    """The LSTM cell drawn on axes, with the strips of numbers that show(step) fills in.

    axes: matplotlib Axes (its limits and frame are set here); trace: dict as from
    lstm.animations.trace_sequence ('x' (T, D), 'h_prev', 'c_prev', 'i', 'f', 'g', 'o',
    'c', 'h', 'tanh_c' (T, H)); units: how many hidden units (and inputs) to show.
    strips: {name: _Strip} for the names of STRIPS; each strip's image is labelled with
    its name and holds the values it shows, (n, 1) when vertical, (1, n) when horizontal.
    """

    def __init__(self, axes, trace, units=4):
        self.steps = len(trace["x"])
        memory = _symmetric_limits(trace["c_prev"], trace["c"])
        limits = {"x": _symmetric_limits(trace["x"]), "c_prev": memory, "c": memory,
                  "i": (0, 1), "f": (0, 1), "o": (0, 1)}
        _draw_wires(axes)
        self.strips = {}
        for name, (key, colour, centre, vertical, label) in STRIPS.items():
            column = _Column(label, trace[key][:, :units], colour, limits.get(key, (-1, 1)))
            self.strips[name] = _Strip(axes, column, centre, vertical)
        axes.set(xlim=(0, 22), ylim=(0, 13.8))
        axes.set_axis_off()

    def show(self, step):
        """Fill every strip with the values of time step `step` (0-based)."""
        for strip in self.strips.values():
            strip.show(step)


def animate_lstm_cell(sequence=None, units=4):
    """The whole cell, one frame per time step, every wire showing its numbers.

    sequence: dict as from lstm.animations.example_sequence (default example_sequence());
    row 0 of the batch is drawn. units: how many hidden units to show (at most 4 fit).
    Returns a FuncAnimation of T frames; its figure's images are labelled with the names
    of STRIPS ('x_t', 'h_prev', 'c_prev', 'f', 'i', 'g', 'o', 'tanh(c)', 'c', 'h').
    """
    if not 1 <= units <= 4:
        raise ValueError(f"units must be between 1 and 4 (the strips have room for 4), got {units}")
    trace = _trace_of(sequence)
    figure = Figure(figsize=(11, 7), dpi=80)
    axes = figure.add_axes((0.01, 0.01, 0.98, 0.9))
    diagram = CellDiagram(axes, trace, units)
    title = figure.suptitle("", fontsize=12)
    shown = min(units, trace["h"].shape[1])
    figure.text(0.5, 0.915, f"c = f * c_prev + i * g,   h = o * tanh(c);   the numbers: units 1 to {shown} "
                "(x_t: its first inputs), as lstm_step_forward computes them",
                ha="center", fontsize=9, color="0.3")

    def draw(frame):
        title.set_text(f"The LSTM cell: step t = {frame + 1} of {diagram.steps}")
        diagram.show(frame)

    return _fixed_layout_animation(figure, draw, diagram.steps, 2 * FRAME_MILLISECONDS)
