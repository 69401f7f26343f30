"""Still pictures of the LSTM that several notebooks (and the book) draw the same way.

Each function draws into matplotlib axes that the caller made, so it works with pyplot in a
notebook and with a plain Figure in a script; it selects no backend and saves nothing.
"""

import numpy
from matplotlib.ticker import MaxNLocator

from lstm.activations import sigmoid_forward, tanh_forward
from lstm.cell_state import cell_state_forward
from lstm.colours import COLOUR_MAPS, LINE_COLOURS, NAMES

LIMITS = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "g": (-1, 1), "h": (-1, 1)}
DECAY_STYLES = (":", "-.", "--", "-")  # the largest forget gate drawn solid


def draw_over_time(axes, values, name, title=None, limits=None, label=None):
    """A heatmap of one gate or state over a sequence: units down, time steps across.

    axes: matplotlib Axes; values: (T, H) host array, e.g. lstm_forward's cache["f"][0];
    name: 'i', 'f', 'g', 'o', 'c' or 'h' (picks the colour map of lstm.colours);
    limits: (low, high) of the colour scale (default: the range of the gate, or symmetric
    around 0 for the cell state); label: the colour bar's label (default: the name in
    lstm.colours.NAMES, e.g. "forget gate f"); title: default "<that name> over time".
    Returns the AxesImage.
    """
    if limits is None:
        largest = float(abs(values).max()) if name == "c" else 1.0
        limits = LIMITS.get(name, (-largest, largest))
    steps, units = values.shape
    image = axes.imshow(values.T, aspect="auto", cmap=COLOUR_MAPS[name], vmin=limits[0], vmax=limits[1],
                        extent=(0.5, steps + 0.5, units + 0.5, 0.5), interpolation="nearest")
    label = label or NAMES[name]
    axes.figure.colorbar(image, ax=axes, label=label)
    axes.set(xlabel="time step t", ylabel="hidden unit", title=title or f"{label} over time")
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))
    return image


def draw_what_a_step_writes(axes, limit=4.0, points=161):
    """A heatmap of what one step writes, i * g = sigmoid(a_i) tanh(a_g), over both pre-activations.

    axes: matplotlib Axes; a_g runs across and a_i up, each over points values in [-limit, limit].
    Returns the AxesImage, whose array is (points, points): row = a_i, column = a_g.
    """
    a = numpy.linspace(-limit, limit, points)
    i, _ = sigmoid_forward(a[:, None])
    g, _ = tanh_forward(a[None, :])
    image = axes.imshow(i * g, origin="lower", extent=(-limit, limit, -limit, limit), cmap=COLOUR_MAPS["g"],
                        vmin=-1, vmax=1)
    axes.figure.colorbar(image, ax=axes, label="i * g: what a step writes")
    axes.set(xlabel="candidate pre-activation a_g", ylabel="input gate pre-activation a_i",
             title="What a step writes, i * g = sigmoid(a_i) tanh(a_g)")
    return image


def draw_memory_under_forget_gate(axes, f_values, steps):
    """A memory of 1 kept by a constant forget gate alone: c_t = f c_(t-1), nothing written (i = 0).

    Runs cell_state_forward step after step for each forget-gate value and draws c_0 .. c_steps,
    one line per value, labelled with its half-life ln 0.5 / ln f.
    axes: matplotlib Axes; f_values: at most 4 values in (0, 1); steps: int.
    Returns the lines drawn, one per value of f.
    """
    zero = numpy.zeros((1, 1))
    lines = []
    for f_value, style in zip(f_values, DECAY_STYLES[-len(f_values):], strict=True):
        c, history = numpy.ones((1, 1)), [1.0]
        for _ in range(steps):
            c, _ = cell_state_forward(numpy.full((1, 1), f_value), c, zero, zero)
            history.append(float(c[0, 0]))
        half_life = numpy.log(0.5) / numpy.log(f_value)
        lines += axes.plot(numpy.arange(steps + 1), history, style, color=LINE_COLOURS["c"],
                           label=f"f = {f_value}: halves every {half_life:.1f} steps")
    axes.set(xlabel="time step t", ylabel="cell state c_t", ylim=(0, 1.05),
             title="A memory of 1 under a constant forget gate, nothing written (i = 0)")
    axes.legend(fontsize=8)
    return lines
