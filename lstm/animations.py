"""Animated pictures of the LSTM, gate by gate, on real numbers.

Each animate_* function returns a matplotlib FuncAnimation; the caller saves it
(`animation.save("f.gif", writer=PillowWriter(fps=2), dpi=80)`) or shows it in a
notebook (`IPython.display.HTML(animation.to_jshtml())`). The figures are plain
matplotlib.figure.Figure objects, not pyplot's: building one selects no backend and
needs no display, and a notebook does not show a stray still copy of it.

Every number drawn comes from the project's own functions. The example sequence
runs through lstm_step_forward (which calls forget_gate_forward, input_gate_forward,
... one after the other) a step at a time, and each gate's pre-activation
a = x Wx + h_prev Wh + b comes from gate_affine_forward. Colours come from
lstm.colours, so a gate has the same colour here as in every other picture.

The gate animations show each time step in stages, one panel per stage, read from
left to right like the equations: the current stage is drawn in full, the stages
still to come are faded. A run of T steps with P panels has T * P frames.
"""

import numpy
from matplotlib.animation import FuncAnimation
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from lstm.activations import sigmoid, tanh_forward
from lstm.colours import COLOUR_MAPS, LINE_COLOURS, NAMES
from lstm.gate_affine import gate_affine_forward
from lstm.gate_layout import GATES, gate_block, gate_weights
from lstm.step import lstm_step_forward
from numerics import selected, to_host

FRAME_MILLISECONDS = 700
FADED = 0.15  # opacity of the stages not reached yet
PRE_ACTIVATION = "pre-activation a = x Wx + h_prev Wh + b"


# ---------------------------------------------------------------- the numbers


def example_sequence(steps=8, input_size=3, hidden_size=4, seed=0, xp=None):
    """A small LSTM and an input sequence for it, from a seed.

    steps: T; input_size: D; hidden_size: H; xp: array module (the selected one by default).
    Returns a dict of float64 arrays: x (1, T, D), h0 (1, H), c0 (1, H) (not zero, so the
    forget gate has something to forget from the first step), Wx (D, 4H), Wh (H, 4H), b (4H,)
    with the gate blocks in the order lstm.GATES. The forget gate's bias is raised by 1, as
    training usually starts (see lstm.demo): the cell keeps more than it forgets.
    """
    xp = xp or selected()
    rng = numpy.random.default_rng(seed)
    arrays = {
        "x": rng.standard_normal((1, steps, input_size)),
        "h0": rng.uniform(-0.5, 0.5, (1, hidden_size)),
        "c0": rng.uniform(-1.5, 1.5, (1, hidden_size)),
        "Wx": rng.standard_normal((input_size, 4 * hidden_size)),
        "Wh": rng.standard_normal((hidden_size, 4 * hidden_size)),
        "b": rng.standard_normal(4 * hidden_size) * 0.5,
    }
    gate_block(arrays["b"], "f")[:] += 1.0
    return {name: xp.asarray(value) for name, value in arrays.items()}


def trace_sequence(sequence):
    """Run an LSTM step by step and keep every number an animation shows.

    sequence: dict as from example_sequence (x (N, T, D), h0 and c0 (N, H), Wx, Wh, b).
    Row 0 of the batch is traced. Returns a dict of host NumPy arrays, one row per step:
    'x' (T, D); 'h_prev', 'c_prev' (T, H), the state each step starts from; 'a_i', 'a_f',
    'a_g', 'a_o' (T, H), the gates' pre-activations; 'i', 'f', 'g', 'o', 'c', 'h' (T, H),
    as lstm_step_forward's cache holds them; 'tanh_c' (T, H).
    """
    x, prev_h, prev_c = sequence["x"], sequence["h0"], sequence["c0"]
    Wx, Wh, b = sequence["Wx"], sequence["Wh"], sequence["b"]
    rows = {}

    def keep(key, value):
        rows.setdefault(key, []).append(to_host(value[0]))

    for t in range(x.shape[1]):
        keep("x", x[:, t])
        keep("h_prev", prev_h)
        keep("c_prev", prev_c)
        for name in GATES:
            keep("a_" + name, gate_affine_forward(x[:, t], prev_h, *gate_weights(Wx, Wh, b, name))[0])
        prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        for name in (*GATES, "c", "h"):
            keep(name, cache[name])
        keep("tanh_c", tanh_forward(prev_c)[0])
    return {key: numpy.stack(values) for key, values in rows.items()}


# ------------------------------------------------------ panels shared by every animation


def _symmetric_limits(*arrays, at_least=1.0):
    """(-m, m) with m the largest magnitude in the arrays (and at least `at_least`)."""
    largest = max(float(numpy.abs(array).max()) for array in arrays)
    return (-max(largest, at_least), max(largest, at_least))


class _Column:
    """One column of annotated cells: a quantity's entries at every step.

    label: its name under the column; values: (T, n); colour: a key of lstm.colours;
    limits: (low, high) of its colour scale; row_labels: n labels for the y axis.
    """

    def __init__(self, label, values, colour, limits, row_labels=None):
        self.label, self.values, self.colour, self.limits = label, values, colour, limits
        self.row_labels = row_labels or [f"unit {k + 1}" for k in range(values.shape[1])]


class _CellColumns:
    """A panel of columns of cells, each cell coloured by its value and showing the number."""

    def __init__(self, axes, title, columns, divider=None):
        self.axes, self.columns = axes, columns
        rows = columns[0].values.shape[1]
        self.images, self.texts = [], []
        for position, column in enumerate(columns):
            image = axes.imshow(column.values[0][:, None], cmap=COLOUR_MAPS[column.colour],
                                norm=Normalize(*column.limits), aspect="auto",
                                extent=(position - 0.45, position + 0.45, rows - 0.5, -0.5))
            image.set_label(column.label)
            self.images.append(image)
            self.texts.append([axes.text(position, row, "", ha="center", va="center", fontsize=8)
                               for row in range(rows)])
        if divider is not None:  # e.g. between h_prev and x in [h_prev, x]
            axes.axhline(divider - 0.5, color="black", lw=1.5)
        axes.set_xlim(-0.5, len(columns) - 0.5)
        axes.set_ylim(rows - 0.5, -0.5)
        axes.set_xticks(range(len(columns)), [column.label for column in columns], fontsize=8)
        axes.set_yticks(range(rows), columns[0].row_labels, fontsize=8)
        axes.tick_params(length=0)
        axes.set_frame_on(False)
        axes.set_title(title, fontsize=9)

    def show(self, step):
        for column, image, texts in zip(self.columns, self.images, self.texts):
            values = column.values[step]
            image.set_data(values[:, None])
            for text, value in zip(texts, values):
                text.set_text(f"{value:.2f}")
                text.set_color(_text_colour(image, value))

    def fade(self, faded):
        for image, texts in zip(self.images, self.texts):
            image.set_alpha(FADED if faded else 1.0)
            for text in texts:
                text.set_visible(not faded)


def _text_colour(image, value):
    """White on a dark cell, black on a light one."""
    red, green, blue, _ = image.cmap(image.norm(value))
    return "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"


class _Curve:
    """Points (inputs[t, k], outputs[t, k]) on a squashing curve.

    label: legend text; colour: a key of lstm.colours; squash: 'sigmoid' or 'tanh';
    inputs, outputs: (T, H).
    """

    def __init__(self, label, colour, squash, inputs, outputs):
        self.label, self.colour, self.squash = label, colour, squash
        self.inputs, self.outputs = inputs, outputs


SQUASHES = {"sigmoid": sigmoid, "tanh": lambda a: tanh_forward(a)[0]}


class _SquashCurves:
    """A panel with one or two squashing curves and the current step's units as dots on them."""

    def __init__(self, axes, title, curves, xlabel=PRE_ACTIVATION):
        self.axes, self.curves = axes, curves
        reach = _symmetric_limits(*(curve.inputs for curve in curves), at_least=4.0)[1] * 1.05
        grid = numpy.linspace(-reach, reach, 201)
        self.dots, self.numbers = [], []
        for curve in curves:
            colour = LINE_COLOURS[curve.colour]
            axes.plot(grid, SQUASHES[curve.squash](grid), color=colour, lw=1.5, alpha=0.5)
            dots = axes.scatter(curve.inputs[0], curve.outputs[0], s=40, color=colour,
                                edgecolor="black", zorder=3, label=curve.label)
            self.dots.append(dots)
            self.numbers.append([axes.text(0, 0, str(k + 1), fontsize=7, color=colour)
                                 for k in range(curve.inputs.shape[1])])
        for level in (-1, 0, 1):
            axes.axhline(level, color="0.85", lw=0.8, zorder=0)
        axes.axvline(0, color="0.85", lw=0.8, zorder=0)
        axes.set(xlim=(-reach, reach), ylim=(-1.15, 1.15), title=title,
                 xlabel=xlabel, ylabel="value after squashing")
        axes.title.set_fontsize(9)
        axes.legend(loc="upper left", fontsize=8)

    def show(self, step):
        for curve, dots, numbers in zip(self.curves, self.dots, self.numbers):
            points = numpy.column_stack([curve.inputs[step], curve.outputs[step]])
            dots.set_offsets(points)
            for number, (a, value) in zip(numbers, points):
                number.set_position((a + 0.12, value - 0.12))

    def fade(self, faded):
        for dots, numbers in zip(self.dots, self.numbers):
            dots.set_alpha(FADED if faded else 1.0)
            for number in numbers:
                number.set_visible(not faded)


class _History:
    """A heatmap of one quantity over time, filled in up to the current step."""

    def __init__(self, axes, figure, title, values, colour, limits):
        self.values = values
        self.image = axes.imshow(numpy.full(values.T.shape, numpy.nan), cmap=COLOUR_MAPS[colour],
                                 norm=Normalize(*limits), aspect="auto",
                                 extent=(0.5, len(values) + 0.5, values.shape[1] + 0.5, 0.5))
        self.image.set_label(title)
        self.marker = axes.axvspan(0.5, 1.5, fill=False, edgecolor="black", lw=1.5)
        figure.colorbar(self.image, ax=axes, label=NAMES[colour])
        axes.set(xlabel="time step t", ylabel="unit", title=title)
        axes.title.set_fontsize(9)
        axes.set_xticks(range(1, len(values) + 1))
        axes.set_yticks(range(1, values.shape[1] + 1))

    def show(self, step):
        shown = numpy.full(self.values.T.shape, numpy.nan)
        shown[:, : step + 1] = self.values[: step + 1].T
        self.image.set_data(shown)
        self.marker.set_x(step + 0.5)

    def fade(self, faded):
        self.image.set_alpha(FADED if faded else 1.0)


def _figure(panel_widths, height=4.2):
    """A Figure (no pyplot) with one row of axes of the given relative widths."""
    figure = Figure(figsize=(1.9 * sum(panel_widths), height), dpi=80, layout="constrained")
    axes = figure.subplots(1, len(panel_widths), width_ratios=panel_widths)
    return figure, list(axes)


def _animate_stages(figure, panels, steps, heading):
    """Step through time; within a step reveal the panels one after the other.

    panels: objects with show(step) and fade(faded); steps: T; heading: text before
    "step t of T" in the figure's title. Returns the FuncAnimation (T * len(panels) frames).
    """
    title = figure.suptitle("", fontsize=11)

    def draw(frame):
        step, stage = divmod(frame, len(panels))
        title.set_text(f"{heading}: step t = {step + 1} of {steps}")
        for position, panel in enumerate(panels):
            panel.show(step)
            panel.fade(position > stage)

    return _fixed_layout_animation(figure, draw, steps * len(panels), FRAME_MILLISECONDS)


def _fixed_layout_animation(figure, draw, frames, interval):
    """A FuncAnimation over `frames` frames whose layout is computed once, on frame 0.

    The constrained layout would otherwise be solved again for every frame, which costs
    more than drawing it; the panels do not move between frames.
    """
    draw(0)
    figure.draw_without_rendering()
    figure.set_layout_engine(None)
    return FuncAnimation(figure, draw, frames=frames, interval=interval, repeat_delay=2000)


def _input_panel(axes, trace):
    """The panel "[h_prev, x_t]": the two vectors every gate reads, stacked."""
    hidden, inputs = trace["h_prev"].shape[1], trace["x"].shape[1]
    stacked = numpy.concatenate([trace["h_prev"], trace["x"]], axis=1)
    labels = [f"h_prev[{k + 1}]" for k in range(hidden)] + [f"x_t[{k + 1}]" for k in range(inputs)]
    column = _Column("[h_prev, x_t]", stacked, "h", _symmetric_limits(stacked), labels)
    return _CellColumns(axes, "1. what the gate reads", [column], divider=hidden)


def _gate_animation(trace, heading, curve_title, curves, product_title, columns, xlabel=PRE_ACTIVATION):
    """The three panels of a gate: what it reads, its squashing curve(s), the product it makes.

    trace: from trace_sequence; heading: the figure's title; curves: _Curve list for panel 2;
    columns: _Column list for panel 3; xlabel: panel 2's x label.
    """
    figure, axes = _figure((1.2, 2.6, 1.8))
    panels = [
        _input_panel(axes[0], trace),
        _SquashCurves(axes[1], curve_title, curves, xlabel),
        _CellColumns(axes[2], product_title, columns),
    ]
    return _animate_stages(figure, panels, len(trace["x"]), heading)


def _trace_of(sequence):
    return trace_sequence(sequence if sequence is not None else example_sequence())


class _SquashLine:
    """Values moving from the line 'a' (y = 1) to the line 'squash(a)' (y = 0)."""

    def __init__(self, axes, values, squash, band, used_by):
        self.start = values
        self.end = SQUASHES[squash](values)
        reach = max(6.0, float(numpy.abs(values).max()) + 0.5)
        axes.fill_between(band, -0.08, 0.08, color="0.8",
                          label=f"range of {squash}: ({band[0]:g}, {band[1]:g})")
        for level in (0, 1):
            axes.axhline(level, color="0.6", lw=0.8, zorder=0)
        self.trails = [axes.plot([], [], color="0.5", lw=0.6)[0] for _ in values]
        self.dots = axes.scatter(values, numpy.ones_like(values), s=36, color="black", zorder=3)
        self.dots.set_label("a value a")
        axes.set(xlim=(-reach, reach), ylim=(-0.35, 1.35), xlabel="value",
                 title=f"{squash} (used by the {used_by})")
        axes.title.set_fontsize(9)
        axes.set_yticks((0, 1), (f"{squash}(a)", "a"))
        axes.legend(loc="lower left", fontsize=8)

    def show(self, progress):
        x = self.start + (self.end - self.start) * progress
        y = numpy.full_like(x, 1 - progress)
        self.dots.set_offsets(numpy.column_stack([x, y]))
        for trail, x0, x1, y1 in zip(self.trails, self.start, x, y):
            trail.set_data([x0, x1], [1, y1])


# ---------------------------------------------------------------- the animations


def animate_squashing(values=None, frames=26):
    """Numbers falling through sigmoid (into (0, 1)) and tanh (into (-1, 1)).

    values: 1-D array of numbers to squash (default: 8 seeded values in [-5, 5]);
    frames: 8 to 40, the last 6 holding the result. Left panel sigmoid, right panel tanh:
    each value starts on the upper line at its own position and slides to sigmoid(value)
    (tanh(value)) on the lower line, where the shaded band is the function's range.
    Returns a FuncAnimation; the dots' end positions are lstm.sigmoid(values) and
    lstm.tanh_forward(values)[0] (legend label of the dots: 'a value a').
    """
    if not 8 <= frames <= 40:
        raise ValueError(f"frames must be between 8 and 40 (6 of them hold the result), got {frames}")
    if values is None:
        values = numpy.random.default_rng(0).uniform(-5, 5, 8)
    values = numpy.asarray(values, dtype=numpy.float64)
    figure, axes = _figure((3, 3), height=3.4)
    panels = [_SquashLine(axes[0], values, "sigmoid", (0.0, 1.0), "forget, input, output gates"),
              _SquashLine(axes[1], values, "tanh", (-1.0, 1.0), "candidate g, and tanh(c)")]
    moving = frames - 6  # the last frames hold the result still

    def draw(frame):
        progress = min(frame / moving, 1.0)
        for panel in panels:
            panel.show(0.5 - 0.5 * numpy.cos(numpy.pi * progress))  # ease in and out

    figure.suptitle("Squashing: any number in, a bounded number out", fontsize=11)
    return _fixed_layout_animation(figure, draw, frames, 120)


def animate_forget_gate(sequence=None):
    """The forget gate at every step: [h_prev, x_t] -> sigmoid -> f, then f * c_prev.

    sequence: dict as from example_sequence (default example_sequence()); row 0 is drawn.
    Panels: 1. the stacked input [h_prev, x_t]; 2. the sigmoid curve with each unit's
    (a_f, f) as a dot; 3. columns c_prev, f and f * c_prev (labels 'c_prev', 'f', 'f * c_prev'),
    every cell showing its number. 3 frames per step. Returns a FuncAnimation.
    """
    trace = _trace_of(sequence)
    memory = _symmetric_limits(trace["c_prev"])
    return _gate_animation(
        trace, "Forget gate",
        "2. f = sigmoid(x Wx_f + h_prev Wh_f + b_f)", [
            _Curve(NAMES["f"], "f", "sigmoid", trace["a_f"], trace["f"]),
        ],
        "3. keep f of the old memory", [
            _Column("c_prev", trace["c_prev"], "c", memory),
            _Column("f", trace["f"], "f", (0, 1)),
            _Column("f * c_prev", trace["f"] * trace["c_prev"], "c", memory),
        ])


def animate_input_gate(sequence=None):
    """The input gate and the candidate: i = sigmoid(...), g = tanh(...), then i * g.

    sequence: dict as from example_sequence (default example_sequence()); row 0 is drawn.
    Panels: 1. [h_prev, x_t]; 2. the sigmoid curve with (a_i, i) and the tanh curve with
    (a_g, g); 3. columns i, g and i * g (labels 'i', 'g', 'i * g'). 3 frames per step.
    Returns a FuncAnimation.
    """
    trace = _trace_of(sequence)
    return _gate_animation(
        trace, "Input gate and candidate",
        "2. i = sigmoid(a_i),  g = tanh(a_g)", [
            _Curve(NAMES["i"], "i", "sigmoid", trace["a_i"], trace["i"]),
            _Curve(NAMES["g"], "g", "tanh", trace["a_g"], trace["g"]),
        ],
        "3. write i of the candidate", [
            _Column("i", trace["i"], "i", (0, 1)),
            _Column("g", trace["g"], "g", (-1, 1)),
            _Column("i * g", trace["i"] * trace["g"], "c", (-1, 1)),
        ])


def animate_cell_state(sequence=None):
    """The cell-state update c = f * c_prev + i * g, and c carried along the sequence.

    sequence: dict as from example_sequence (default example_sequence()); row 0 is drawn.
    Panels: 1. columns c_prev, f, f * c_prev (what is kept); 2. columns i, g, i * g (what
    is written); 3. columns f * c_prev, i * g and their sum c (label 'c'); 4. a heatmap
    of c over the steps so far (label 'the highway: c over time'). 4 frames per step.
    Returns a FuncAnimation.
    """
    trace = _trace_of(sequence)
    figure, axes = _figure((1.8, 1.8, 1.8, 2.4))
    memory = _symmetric_limits(trace["c_prev"], trace["c"])
    kept, written = trace["f"] * trace["c_prev"], trace["i"] * trace["g"]
    panels = [
        _CellColumns(axes[0], "1. keep: f * c_prev", [
            _Column("c_prev", trace["c_prev"], "c", memory),
            _Column("f", trace["f"], "f", (0, 1)),
            _Column("f * c_prev", kept, "c", memory),
        ]),
        _CellColumns(axes[1], "2. write: i * g", [
            _Column("i", trace["i"], "i", (0, 1)),
            _Column("g", trace["g"], "g", (-1, 1)),
            _Column("i * g", written, "c", memory),
        ]),
        _CellColumns(axes[2], "3. add: c = f * c_prev + i * g", [
            _Column("f * c_prev", kept, "c", memory),
            _Column("i * g", written, "c", memory),
            _Column("c", trace["c"], "c", memory),
        ]),
        _History(axes[3], figure, "the highway: c over time", trace["c"], "c", memory),
    ]
    return _animate_stages(figure, panels, len(trace["c"]), "Cell state")


def animate_output_gate(sequence=None):
    """The output gate: o = sigmoid(...), tanh(c), then h = o * tanh(c).

    sequence: dict as from example_sequence (default example_sequence()); row 0 is drawn.
    Panels: 1. [h_prev, x_t]; 2. the sigmoid curve with (a_o, o) and the tanh curve with
    (c, tanh(c)); 3. columns o, tanh(c) and h (labels 'o', 'tanh(c)', 'h = o * tanh(c)').
    3 frames per step. Returns a FuncAnimation.
    """
    trace = _trace_of(sequence)
    return _gate_animation(
        trace, "Output gate",
        "2. o = sigmoid(a_o),  and tanh(c)", [
            _Curve(NAMES["o"], "o", "sigmoid", trace["a_o"], trace["o"]),
            _Curve("tanh of the cell state c", "c", "tanh", trace["c"], trace["tanh_c"]),
        ],
        "3. show o of the squashed memory", [
            _Column("o", trace["o"], "o", (0, 1)),
            _Column("tanh(c)", trace["tanh_c"], "c", (-1, 1)),
            _Column("h = o * tanh(c)", trace["h"], "h", (-1, 1)),
        ],
        xlabel="a_o for the output gate, c for tanh(c)")
