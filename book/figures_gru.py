"""The GRU chapter's still figures and table, each computed with the lstm package's own functions.

The animation of the GRU's gates comes from lstm.gru_animation (see make_figures). One run of
lstm.demo.compare_cells, the demo's own comparison, gives the side-by-side picture, its table
and the trained GRU whose update gate the last picture shows.
"""

import numpy
from figure_tools import plt, save_figure, write_table

from lstm.colours import CELL_NAMES
from lstm.demo import compare_cells, recall_batch
from lstm.figures import draw_over_time
from lstm.gru_figures import draw_cells_side_by_side


def draw_cells_compared(out):
    results = compare_cells()  # the demo's defaults: gaps 5 and 20, 1500 training steps each
    figure, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    draw_cells_side_by_side(axes, results)
    save_figure(figure, out / "cells_side_by_side.png")
    gaps = list(results["gru"]["accuracy"])
    write_table(out / "cells_side_by_side.md",
                ["cell", "parameters", *(f"accuracy, gap {gap}" for gap in gaps),
                 f"ms per training step (gap {max(gaps)})", "gradient left 39 steps back"],
                [[CELL_NAMES[cell], f"{result['parameters']:,}",
                  *(f"{result['accuracy'][gap]:.0%}" for gap in gaps),
                  f"{result['seconds_per_step'][max(gaps)] * 1e3:.1f}", f"{result['gradient'][0]:.0e}"]
                 for cell, result in results.items()])
    draw_trained_update_gate(out, results["gru"]["models"][max(gaps)], max(gaps))


def draw_trained_update_gate(out, model, gap):
    """The update gate z of the GRU trained at `gap`, over one test sequence, units sorted."""
    tokens, _, _ = recall_batch(numpy.random.default_rng(5), 500, gap, 8)
    _, (_, cache, _) = model.scores(tokens)
    z = cache["z"]  # (500, gap + 2, H)
    order = numpy.argsort(-z[:, 1:-1].mean(axis=(0, 1)))  # units that keep most over the gap first
    figure, axis = plt.subplots(figsize=(8, 5))
    draw_over_time(axis, z[0][:, order], "z", limits=(0, 1),
                   title=f"Update gate of the GRU trained at gap {gap}, on one test sequence")
    words = ["sym"] + ["d"] * gap + ["?"]
    axis.set_xticks(range(1, len(words) + 1), words, fontsize=7)
    axis.set(xlabel="token read at step t (sym: the symbol, d: a distractor, ?: the query)",
             ylabel="hidden unit, sorted by mean z over the gap")
    save_figure(figure, out / "gru_update_gate.png")


FIGURES = {"cells_side_by_side": draw_cells_compared}
