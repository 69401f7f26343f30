"""The GPU chapter's figure: how much arithmetic each part of an LSTM step does per byte it moves.

Counted from the shapes the lstm functions use (fused step: one GEMM per input for the four
gates, then the elementwise cell update of lstm.fused.state_update_forward), float32.
"""

import numpy
from figure_tools import plt, save_figure

from lstm.colours import LINE_COLOURS

BYTES = 4  # float32


def gemm_intensity(m, k, n):
    """FLOPs per byte of an (m, k) x (k, n) product that reads both factors and writes the result once."""
    return 2 * m * k * n / (BYTES * (m * k + k * n + m * n))


def cell_update_intensity():
    """FLOPs per byte of c = f * prev_c + i * g, h = o * tanh(c), per unit: a handful of operations
    on 5 numbers read (i, f, g, o, prev_c) and 2 written (c, h). Counting tanh as 1 FLOP."""
    return 5 / (BYTES * 7)


def draw_arithmetic_intensity(out):
    sizes = numpy.array([16, 32, 64, 128, 256, 512, 1024, 2048])
    figure, axis = plt.subplots(figsize=(7, 3.6))
    for batch, style in ((1, ":"), (64, "-"), (512, "--")):
        intensity = [gemm_intensity(batch, 2 * H, 4 * H) for H in sizes]  # [x, prev_h] (N, 2H) x (2H, 4H)
        axis.loglog(sizes, intensity, style, marker="o", ms=3, color=LINE_COLOURS["g"],
                    label=f"gate GEMM, batch N = {batch}")
    axis.axhline(cell_update_intensity(), color=LINE_COLOURS["c"],
                 label="cell update (elementwise), any size")
    axis.set(xlabel="hidden size H (D = H)", ylabel="FLOPs per byte moved",
             title="Arithmetic intensity of the parts of one LSTM step (float32)")
    axis.legend(fontsize=8)
    save_figure(figure, out / "arithmetic_intensity.png")


FIGURES = {"arithmetic_intensity": draw_arithmetic_intensity}
