"""The demo's pictures: the loss curve, captions on test images, the gates word by word, and where
the decoder looked for each word (attention).

Each save_ function takes host NumPy arrays and plain lists and writes one PNG (or, for an
animation, one GIF). The figures are matplotlib Figure objects, not pyplot's: they need no
display and leave the caller's choice of backend (a notebook's inline plots) alone.
"""

import numpy
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from lstm.animations import _fixed_layout_animation
from lstm.colours import COLOUR_MAPS, NAMES, SIGNED
from numerics import check_shape, to_host
from numerics.files import atomic_output


def save_figure(figure, path, dpi=110):
    """Write a figure to path (its format named by the suffix), atomically: a reader never sees half
    a picture, and a failed write keeps the old one (numerics.files.atomic_output)."""
    with atomic_output(path) as temporary:
        figure.savefig(temporary, dpi=dpi)

def save_loss_curve(path, losses, epoch_steps=None, blind_losses=None):
    """losses: training loss per step; epoch_steps: step numbers where epochs end."""
    figure = Figure(figsize=(7, 4))
    axes = figure.subplots()
    steps = numpy.arange(1, len(losses) + 1)
    axes.plot(steps, losses, lw=0.6, alpha=0.4, color="tab:blue")
    axes.plot(steps, _running_mean(losses, 25), color="tab:blue", label="captioner (running mean)")
    if blind_losses:
        blind_steps = numpy.arange(1, len(blind_losses) + 1)
        axes.plot(blind_steps, _running_mean(blind_losses, 25), color="tab:gray",
                  label="blind baseline (image zeroed)")
    for step in epoch_steps or []:
        axes.axvline(step, color="0.85", lw=0.8, zorder=0)
    axes.set(xlabel="training step (minibatch)", ylabel="loss per caption (nats)",
             title="Training loss", ylim=(0, None))
    axes.legend()
    figure.tight_layout()
    save_figure(figure, path)


def save_caption_grid(path, images, generated, references, columns=4):
    """images: (N, H, W, 3) uint8; generated: N captions (str); references: N captions (str)."""
    rows = -(-len(images) // columns)
    figure = Figure(figsize=(3.4 * columns, 4.2 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(images):
            axis.imshow(images[index])
            axis.set_title(f"model: {_wrap(generated[index])}\nreference: {_wrap(references[index])}",
                           fontsize=7, loc="left")
    figure.suptitle("Test images: generated caption (greedy) and first reference")
    figure.tight_layout()
    save_figure(figure, path)


GATE_PANELS = {"lstm": ("f", "i", "g", "o"), "gru": ("r", "z", "n", "h")}



def save_gate_picture(path, image, words, gates, units=32):
    """The gates' activations at each generated word, for one image: an LSTM's f, i, g, o or a
    GRU's r, z, n and its hidden state.

    image: (H, W, 3) uint8; words: the caption's words; gates: {name: (len(words) + 1, H)} as
    returned by captioner.decoding.caption_gates (row 0 reads <start>).
    """
    panels = GATE_PANELS["lstm" if "f" in gates else "gru"]
    readers = ["<start>", *words]
    figure = Figure(figsize=(12, 7))
    grid = figure.add_gridspec(2, 3, width_ratios=(1, 2, 2))
    image_axis = figure.add_subplot(grid[:, 0])
    image_axis.imshow(image)
    image_axis.axis("off")
    image_axis.set_title(_wrap(" ".join(words), 28), fontsize=9)
    for position, name in enumerate(panels):
        axis = figure.add_subplot(grid[position // 2, 1 + position % 2])
        values = gates[name][:, :units].T
        limits = (-1, 1) if name in SIGNED else (0, 1)  # the sigmoid gates live in (0, 1)
        shown = axis.imshow(values, aspect="auto", cmap=COLOUR_MAPS[name], vmin=limits[0], vmax=limits[1])
        axis.set_xticks(range(len(readers)), readers, rotation=60, ha="right", fontsize=7)
        axis.set(ylabel=f"hidden unit (first {units})", title=NAMES[name])
        figure.colorbar(shown, ax=axis, fraction=0.05)
    figure.suptitle("Gate activations at each step (x: the word read; the step predicts the next word)")
    figure.tight_layout()
    save_figure(figure, path)


ATTENTION_FRAME_MILLISECONDS = 900
ATTENTION_OVERLAY_OPACITY = 0.65  # how much of the picture the attention map covers


def upsample_attention(alpha, grid, size):
    """One word's attention weights spread smoothly over the picture.

    alpha: (L,) weights of the grid cells, row by row (cell (r, q) at index r * cols + q, as
    resnet.pooling.grid_avgpool_forward orders them); grid: rows, or (rows, cols), with
    rows * cols = L; size: (height, width) of the picture in pixels.
    Returns (height, width) float64. Each cell's weight sits at the cell's centre; in between,
    the map blends neighbouring cells with a smoothstep (a linear blend would leave creases
    at the centres), and beyond the outer centres it stays flat. The values stay within
    [min(alpha), max(alpha)].
    """
    rows, cols = _grid_sides(grid)
    alpha = to_host(alpha).astype(numpy.float64)
    check_shape("alpha", alpha, (rows * cols,))
    height, width = size
    cells = alpha.reshape(rows, cols)
    return _blend_matrix(height, rows) @ cells @ _blend_matrix(width, cols).T


def _blend_matrix(pixels, cells):
    """(pixels, cells) weights: pixel i's share of each cell, the shares of a row summing to 1."""
    # Pixel i's centre in units of cells, where cell k's centre is at k.
    position = numpy.clip((numpy.arange(pixels) + 0.5) * cells / pixels - 0.5, 0, cells - 1)
    lower = numpy.minimum(numpy.floor(position).astype(int), max(cells - 2, 0))
    fraction = position - lower
    smooth = fraction * fraction * (3 - 2 * fraction)
    weights = numpy.zeros((pixels, cells))
    weights[numpy.arange(pixels), lower] = 1 - smooth
    if cells > 1:
        weights[numpy.arange(pixels), lower + 1] = smooth
    return weights


def draw_attention(axes, image, alpha, grid, title=None):
    """The picture, lit where the decoder looked: bright over cells with large weights, dark elsewhere.

    axes: a matplotlib Axes; image: (H, W, 3) uint8; alpha: (L,) one word's weights; grid: rows or
    (rows, cols). The map is scaled so that its largest value is white. Returns the AxesImage of
    the map (label 'attention', data as upsample_attention returns it).
    """
    height, width = image.shape[:2]
    heat = upsample_attention(alpha, grid, (height, width))
    axes.imshow(image)
    shown = axes.imshow(heat, cmap="gray", vmin=0, vmax=max(float(heat.max()), 1e-12),
                        alpha=ATTENTION_OVERLAY_OPACITY, extent=(-0.5, width - 0.5, height - 0.5, -0.5))
    shown.set_label("attention")
    axes.axis("off")
    if title is not None:
        axes.set_title(title, fontsize=10)
    return shown


def save_attention_picture(path, image, words, alphas, grid, columns=5):
    """The classic picture of Show, Attend and Tell: the picture, then one panel per word, each lit
    where the decoder looked while choosing that word.

    image: (H, W, 3) uint8; words: the caption's T words; alphas: (T, L) attention weights, row t
    the ones the decoder used to choose words[t]; grid: rows or (rows, cols) of the encoder's grid.
    Writes a PNG of min(columns, T + 1) panels a row, 2.4 inches each, at 110 dots per inch.
    """
    alphas, grid = _check_attention(image, words, alphas, grid)
    panels = len(words) + 1
    columns = min(columns, panels)
    rows = -(-panels // columns)
    figure = Figure(figsize=(2.4 * columns, 2.4 * rows + 0.5))
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    axes[0].imshow(image)
    axes[0].set_title("picture", fontsize=10)
    for axis, word, alpha in zip(axes[1:], words, alphas):
        draw_attention(axis, image, alpha, grid, title=word)
    for axis in axes:
        axis.axis("off")
    figure.suptitle(_wrap(" ".join(words), 90), fontsize=10)
    figure.tight_layout()
    save_figure(figure, path)


def animate_attention(image, words, alphas, grid):
    """The attention moving over the picture as the caption is written, one frame per word.

    image: (H, W, 3) uint8; words: T words; alphas: (T, L), row t used to choose words[t];
    grid: rows or (rows, cols). Left: the picture lit where the decoder looked (draw_attention);
    right: the weights themselves on the grid (label 'weights', one number per cell); the title
    holds the caption so far, ending in the word being chosen.
    Returns a matplotlib FuncAnimation of T frames.
    """
    alphas, grid = _check_attention(image, words, alphas, grid)
    rows, cols = _grid_sides(grid)
    figure = Figure(figsize=(7.2, 3.8), dpi=80, layout="constrained")
    picture_axes, grid_axes = figure.subplots(1, 2, width_ratios=(1.2, 1))
    lit = draw_attention(picture_axes, image, alphas[0], grid)
    weights = grid_axes.imshow(alphas[0].reshape(rows, cols), cmap="gray", vmin=0, vmax=1)
    weights.set_label("weights")
    numbers = [[grid_axes.text(q, r, "", ha="center", va="center", fontsize=8) for q in range(cols)]
               for r in range(rows)]
    grid_axes.set(xticks=[], yticks=[], title="weights alpha on the encoder's grid")
    grid_axes.title.set_fontsize(9)
    title = figure.suptitle("", fontsize=11)
    height, width = image.shape[:2]

    def draw(frame):
        heat = upsample_attention(alphas[frame], grid, (height, width))
        lit.set_data(heat)
        lit.set_clim(0, max(float(heat.max()), 1e-12))
        cells = alphas[frame].reshape(rows, cols)
        weights.set_data(cells)
        for r in range(rows):
            for q in range(cols):
                numbers[r][q].set_text(f"{cells[r, q]:.2f}")
                numbers[r][q].set_color("black" if cells[r, q] > 0.5 else "white")
        caption = " ".join(words[:frame])
        title.set_text(_wrap(f"{caption} [{words[frame]}]".strip(), 70))

    return _fixed_layout_animation(figure, draw, len(words), ATTENTION_FRAME_MILLISECONDS)


def save_attention_animation(path, image, words, alphas, grid, fps=1.2):
    """animate_attention saved as a GIF (one frame per word, fps frames a second, 80 dots per inch)."""
    with atomic_output(path) as temporary:  # a reader never sees half an animation
        animate_attention(image, words, alphas, grid).save(temporary, writer=PillowWriter(fps=fps), dpi=80)


def _grid_sides(grid):
    """(rows, cols) from a side or a pair of sides."""
    rows, cols = (grid, grid) if numpy.ndim(grid) == 0 else tuple(grid)
    if int(rows) != rows or int(cols) != cols or rows < 1 or cols < 1:
        raise ValueError(f"grid must be a positive int or a pair (rows, cols), got {grid!r}")
    return int(rows), int(cols)


def _check_attention(image, words, alphas, grid):
    """Host float alphas (T, L) and (rows, cols), or a ValueError naming what does not fit."""
    rows, cols = _grid_sides(grid)
    check_shape("image", image, ("H", "W", 3))
    if image.dtype != numpy.uint8:
        raise ValueError(f"image must be uint8 (H, W, 3), got dtype {image.dtype}")
    if not words:
        raise ValueError("words must hold at least one word")
    alphas = to_host(alphas).astype(numpy.float64)
    check_shape("alphas", alphas, (len(words), rows * cols))
    return alphas, (rows, cols)


def _running_mean(values, window):
    values = numpy.asarray(values, dtype=float)
    cumulative = numpy.cumsum(numpy.insert(values, 0, 0.0))
    counts = numpy.minimum(numpy.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[numpy.maximum(0, numpy.arange(1, len(values) + 1) - window)]) / counts


def _wrap(text, width=38):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])
