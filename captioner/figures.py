"""The demo's pictures: the loss curve, captions on test images, and the gates word by word.

Each function takes host NumPy arrays and plain lists and writes one PNG. The figures are
matplotlib Figure objects, not pyplot's: they need no display and leave the caller's choice
of backend (a notebook's inline plots) alone.
"""

import numpy
from matplotlib.figure import Figure

from lstm.colours import COLOUR_MAPS, NAMES


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
    figure.savefig(path, dpi=110)


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
    figure.savefig(path, dpi=110)


def save_gate_picture(path, image, words, gates, units=32):
    """The four gates' activations at each generated word, for one image.

    image: (H, W, 3) uint8; words: the caption's words; gates: {'f', 'i', 'g', 'o'}: (len(words) + 1, H)
    as returned by captioner.decoding.caption_gates (row 0 reads <start>).
    """
    readers = ["<start>", *words]
    figure = Figure(figsize=(12, 7))
    grid = figure.add_gridspec(2, 3, width_ratios=(1, 2, 2))
    image_axis = figure.add_subplot(grid[:, 0])
    image_axis.imshow(image)
    image_axis.axis("off")
    image_axis.set_title(_wrap(" ".join(words), 28), fontsize=9)
    for position, name in enumerate(("f", "i", "g", "o")):
        axis = figure.add_subplot(grid[position // 2, 1 + position % 2])
        values = gates[name][:, :units].T
        limits = (-1, 1) if name == "g" else (0, 1)
        shown = axis.imshow(values, aspect="auto", cmap=COLOUR_MAPS[name], vmin=limits[0], vmax=limits[1])
        axis.set_xticks(range(len(readers)), readers, rotation=60, ha="right", fontsize=7)
        axis.set(ylabel=f"hidden unit (first {units})", title=NAMES[name])
        figure.colorbar(shown, ax=axis, fraction=0.05)
    figure.suptitle("Gate activations at each step (x: the word read; the step predicts the next word)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


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
