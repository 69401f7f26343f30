"""The LSTM chapters' static figures, each computed with the lstm package's own functions.

The animated figures come from lstm.animations (see make_figures); these are the still
pictures beside them. Gates are drawn in their lstm.colours colour everywhere.
"""

import numpy
from figure_tools import plt, save_animation, save_figure, write_table

from lstm import (
    lstm_step_backward,
    lstm_step_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from lstm.cell_diagram import animate_lstm_cell
from lstm.colours import LINE_COLOURS, NAMES
from lstm.demo import RecallModel, recall_batch
from lstm.figures import draw_memory_under_forget_gate, draw_over_time, draw_what_a_step_writes
from lstm.gradient_reach import mean_norm
from numerics import check_layer

SEQUENCE_LENGTH = 40


def gradient_reaching_back(cell):
    """lstm.gradient_reach's gradients for an untrained RecallModel (the demo's initialisation)
    on a batch of the recall task, SEQUENCE_LENGTH steps long; the loss reads only the last
    hidden state. Returns the dict of (N, T, ...) gradients."""
    model = RecallModel(cell, n_symbols=8, seed=0, dtype=numpy.float64)
    tokens, _, _ = recall_batch(numpy.random.default_rng(0), 32, SEQUENCE_LENGTH - 2, 8)
    return model.gradient_reaching_back(tokens, numpy.random.default_rng(1))


def draw_gradient_through_time(out):
    figure, axis = plt.subplots(figsize=(7, 3.4))
    cells = (("rnn", LINE_COLOURS["h"], "vanilla RNN"), ("lstm", LINE_COLOURS["c"], "LSTM"))
    for cell, colour, label in cells:
        norms = mean_norm(gradient_reaching_back(cell)["x"])
        steps_back = numpy.arange(len(norms))[::-1]  # x_t is T - 1 - t steps before the last output
        axis.semilogy(steps_back, norms / norms[-1], "o-", ms=3, color=colour, label=label)
    axis.set(xlabel="steps between the input and the last output", ylabel="gradient size (last step = 1)",
             title="How much of the last step's gradient reaches each earlier input (untrained)")
    axis.invert_xaxis()
    axis.legend()
    save_figure(figure, out / "gradient_through_time.png")


def draw_squashing_curves(out):
    a = numpy.linspace(-6, 6, 241)
    s, s_cache = sigmoid_forward(a)
    t, t_cache = tanh_forward(a)
    figure, (values, slopes) = plt.subplots(1, 2, figsize=(9, 3.2))
    values.plot(a, s, color=LINE_COLOURS["f"], label="sigmoid(a), in (0, 1): f, i, o")
    values.plot(a, t, color=LINE_COLOURS["g"], label="tanh(a), in (-1, 1): g, tanh(c)")
    values.set(xlabel="pre-activation a", ylabel="output", title="The two squashing functions")
    slopes.plot(a, sigmoid_backward(numpy.ones_like(a), s_cache), color=LINE_COLOURS["f"], label="s (1 - s)")
    slopes.plot(a, tanh_backward(numpy.ones_like(a), t_cache), color=LINE_COLOURS["g"], label="1 - t²")
    slopes.set(xlabel="pre-activation a", ylabel="slope d(output)/da", title="Their slopes, from the outputs")
    for axis in (values, slopes):
        axis.axhline(0, color="0.8", lw=0.8, zorder=0)
        axis.legend(fontsize=8)
    save_figure(figure, out / "squashing_curves.png")


def draw_forget_memory(out):
    """What the forget gate alone does to a memory of 1: c_t = f * c_(t-1), nothing written."""
    figure, axis = plt.subplots(figsize=(7, 3.2))
    draw_memory_under_forget_gate(axis, (0.5, 0.9, 0.99), steps=30)
    save_figure(figure, out / "forget_memory.png")


def draw_input_gate_grid(out):
    """i * g, what one step writes, over the two pre-activations."""
    figure, axis = plt.subplots(figsize=(6, 4.4))
    draw_what_a_step_writes(axis)
    save_figure(figure, out / "input_gate_grid.png")


def draw_caption_states(out, gates, words):
    """The shipped captioner's cell state, forget gate and output while it reads its caption."""
    readers = ["<start>", *words]
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for axis, name in zip(axes, ("f", "c", "h")):
        draw_over_time(axis, gates[name][:, :16], name, title=NAMES[name])
        axis.set_xticks(range(1, len(readers) + 1), readers, rotation=60, ha="right", fontsize=7)
        axis.set(xlabel="word read at this step", ylabel="hidden unit (first 16)")
    save_figure(figure, out / "caption_states.png")


def draw_output_gate_lines(out, gates, words):
    """For three units: c, tanh(c), o and h = o * tanh(c) at each word of the caption."""
    readers = ["<start>", *words]
    steps = numpy.arange(len(readers))
    unit_order = numpy.argsort(-numpy.abs(gates["c"]).max(axis=0))
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
    for axis, unit in zip(axes, unit_order[:3]):
        axis.plot(steps, gates["c"][:, unit], color=LINE_COLOURS["c"], label="c")
        axis.plot(steps, numpy.tanh(gates["c"][:, unit]), ":", color=LINE_COLOURS["c"], label="tanh(c)")
        axis.plot(steps, gates["o"][:, unit], color=LINE_COLOURS["o"], label="o")
        axis.plot(steps, gates["h"][:, unit], color=LINE_COLOURS["h"], lw=2, label="h = o tanh(c)")
        axis.set_xticks(steps, readers, rotation=60, ha="right", fontsize=7)
        axis.set(title=f"hidden unit {unit}")
    axes[0].set(ylabel="value")
    axes[0].legend(fontsize=7)
    save_figure(figure, out / "output_gate_lines.png")


def step_inputs(rng, N=3, D=4, H=5):
    """Random float64 inputs of one LSTM step, named like lstm_step_forward's arguments."""
    return {
        "x": rng.standard_normal((N, D)),
        "prev_h": rng.standard_normal((N, H)),
        "prev_c": rng.standard_normal((N, H)),
        "Wx": rng.standard_normal((D, 4 * H)) * 0.5,
        "Wh": rng.standard_normal((H, 4 * H)) * 0.5,
        "b": rng.standard_normal(4 * H) * 0.5,
    }


def draw_step_gradient_check(out):
    """rel_error of lstm_step_backward against central differences, for every input."""
    errors = check_layer(lstm_step_forward, lstm_step_backward, step_inputs(numpy.random.default_rng(0)))
    figure, axis = plt.subplots(figsize=(6, 3))
    axis.bar(list(errors), list(errors.values()), color=LINE_COLOURS["h"])
    axis.axhline(1e-7, color="black", lw=0.8, ls="--", label="pass below 1e-7")
    axis.set(yscale="log", ylim=(1e-13, 1e-5), xlabel="gradient of", ylabel="rel_error",
             title="lstm_step_backward against numerical gradients (float64)")
    axis.legend(fontsize=8)
    save_figure(figure, out / "step_gradient_check.png")
    write_table(out / "step_gradient_check.md", ["gradient", "rel_error"],
                [[f"`d{name}`", f"{error:.1e}"] for name, error in errors.items()])


def draw_bptt_paths(out):
    lstm_gradients, rnn_gradients = gradient_reaching_back("lstm"), gradient_reaching_back("rnn")
    steps_back = SEQUENCE_LENGTH - numpy.arange(SEQUENCE_LENGTH)  # step t's prev_h, prev_c: T - t back
    figure, axis = plt.subplots(figsize=(7, 3.4))
    lines = ((lstm_gradients["prev_c"], "o-", LINE_COLOURS["c"], "LSTM: |dprev_c|"),
             (lstm_gradients["prev_h"], "s-", LINE_COLOURS["o"], "LSTM: |dprev_h|"),
             (rnn_gradients["prev_h"], "^-", LINE_COLOURS["h"], "vanilla RNN: |dprev_h|"))
    for gradient, style, colour, label in lines:
        axis.semilogy(steps_back, mean_norm(gradient), style, ms=3, color=colour, label=label)
    axis.invert_xaxis()
    axis.set(xlabel="steps walked back from the last output", ylabel="gradient norm (mean over the batch)",
             title="Backpropagation through time, one step function call at a time")
    axis.legend(fontsize=8)
    save_figure(figure, out / "bptt_paths.png")


def draw_cell_diagram(out):
    """The whole cell, one frame per step of lstm.animations.example_sequence, numbers on every wire."""
    save_animation(animate_lstm_cell(), out / "cell_diagram.gif", fps=1)


FIGURES = {
    "gradient_through_time": draw_gradient_through_time,
    "squashing_curves": draw_squashing_curves,
    "forget_memory": draw_forget_memory,
    "input_gate_grid": draw_input_gate_grid,
    "step_gradient_check": draw_step_gradient_check,
    "bptt_paths": draw_bptt_paths,
    "cell_diagram.gif": draw_cell_diagram,
}
