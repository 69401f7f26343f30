"""Still pictures of the GRU beside the vanilla RNN and the LSTM.

Like lstm.figures, each function draws into matplotlib axes that the caller made; it
selects no backend and saves nothing. The numbers come from lstm.demo.compare_cells.
"""

import numpy
from matplotlib.ticker import MaxNLocator

from lstm.colours import CELL_COLOURS, CELL_NAMES


def draw_cells_side_by_side(axes, results):
    """The three cells compared on the recall task, in four panels.

    axes: four matplotlib Axes; results: lstm.demo.compare_cells's answer, {cell: {"accuracy":
    {gap: share}, "gradient": (T,), "parameters": int, "seconds_per_step": {gap: seconds}}}.
    Panels: (1) test accuracy by gap, one bar per cell at each gap (BarContainer label: the
    cell's name); (2) the share of the last step's gradient left at each earlier input, untrained,
    on a log scale; (3) the recurrent layer's parameter count; (4) the time of one training
    step at the longest gap. Returns {cell: the line drawn in panel 2}.
    """
    accuracy_axes, gradient_axes, parameter_axes, time_axes = axes
    cells = list(results)
    gaps = list(results[cells[0]]["accuracy"])
    width = 0.8 / len(cells)
    for position, cell in enumerate(cells):
        shares = [results[cell]["accuracy"][gap] for gap in gaps]
        accuracy_axes.bar(numpy.arange(len(gaps)) + (position - (len(cells) - 1) / 2) * width, shares,
                          width, color=CELL_COLOURS[cell], label=CELL_NAMES[cell])
    accuracy_axes.axhline(1 / 8, color="black", lw=0.8, ls="--", label="chance (1 in 8)")
    accuracy_axes.set_xticks(range(len(gaps)), [f"gap {gap}" for gap in gaps])
    accuracy_axes.set(ylim=(0, 1.05), ylabel="test accuracy", title="Recall after a gap (trained at it)")
    accuracy_axes.legend(fontsize=8)

    lines = {}
    for cell in cells:
        left = results[cell]["gradient"]
        steps_back = numpy.arange(len(left))[::-1]  # x_t is T - 1 - t steps before the last output
        (lines[cell],) = gradient_axes.semilogy(steps_back, left, "o-", ms=2.5, color=CELL_COLOURS[cell],
                                                label=CELL_NAMES[cell])
    gradient_axes.invert_xaxis()
    gradient_axes.set(xlabel="steps between the input and the last output", ylabel="gradient (last step = 1)",
                      title="How far back the gradient reaches (untrained)")
    gradient_axes.legend(fontsize=8)

    longest = max(gaps)
    colours = [CELL_COLOURS[cell] for cell in cells]
    names = [CELL_NAMES[cell] for cell in cells]
    parameter_axes.bar(names, [results[cell]["parameters"] for cell in cells], color=colours)
    parameter_axes.set(ylabel="numbers learned", title="Parameters of the recurrent layer")
    parameter_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    time_axes.bar(names, [results[cell]["seconds_per_step"][longest] * 1e3 for cell in cells], color=colours)
    time_axes.set(ylabel="milliseconds", title=f"One training step (gap {longest}, batch 64)")
    for axis in axes:
        axis.title.set_fontsize(9)
    return lines
