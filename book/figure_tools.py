"""Small helpers shared by the book's figure scripts: saving pictures, animations and tables.

Every picture is written at DPI dots per inch with matplotlib's non-interactive Agg backend;
animations are GIFs written by Pillow, which the built pages show as plain images (no script,
no network needed to play them).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.animation import PillowWriter  # noqa: E402

DPI = 80


def save_figure(figure, path):
    """Write a matplotlib figure as a PNG and free it."""
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)


def save_animation(animation, path, fps):
    """Write a matplotlib FuncAnimation as a looping GIF, fps frames per second."""
    animation.save(path, writer=PillowWriter(fps=fps), dpi=DPI)


def write_table(path, header, rows):
    """Write a Markdown table (a list of rows of cells) for a chapter to {include}."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    path.write_text("\n".join(lines) + "\n")
