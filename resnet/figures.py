"""Pictures of a convolution as im2col: which input pixels each row of the patch matrix holds.

Two pictures that belong side by side:

- `draw_input_patches`: the input image with its zero padding, and the patch (the pixels
  under the kernel) of a few chosen output pixels outlined, one colour each;
- `draw_patch_matrix`: the matrix that resnet.im2col builds from the same image, one row
  per output pixel, with the rows of those output pixels outlined in the same colours.

A single-channel image numbered 1, 2, 3, ... row by row (`numbered_image`) makes the matrix
readable: every entry is the number of the pixel it was copied from, and 0 is padding.
An RGB image shows each row as kH * kW coloured squares instead.

The functions draw on matplotlib axes the caller made (plt.subplots), so they work in a
notebook and in a script alike.
"""

import numpy
from matplotlib.patches import Rectangle

from numerics import to_host
from resnet.conv import im2col, output_size

# Not the gate colours of lstm.colours (red, green, purple, blue, orange, grey): a patch is no gate.
PATCH_COLOURS = ("tab:pink", "tab:cyan", "tab:olive", "tab:brown")
NUMBERS_SHOWN_UP_TO = 400  # write each entry's number inside its cell when there are at most this many


def numbered_image(height, width):
    """An image whose pixel values are their numbers 1 .. height*width, row by row.

    Returns (height, width) float64; 0 never occurs, so it marks the padding in a patch matrix.
    """
    return numpy.arange(1, height * width + 1, dtype=numpy.float64).reshape(height, width)


def _as_batch(image):
    """(H, W) or (H, W, C) host image as a (1, H, W, C) float64 batch for im2col."""
    image = numpy.asarray(to_host(image), dtype=numpy.float64)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
    return image[None]


def _check_outputs(image_shape, kernel, stride, padding, outputs):
    """The output grid (H_out, W_out); ValueError for an output pixel outside it."""
    H, W = image_shape[:2]
    grid = output_size(H, kernel[0], stride, padding), output_size(W, kernel[1], stride, padding)
    for row, column in outputs:
        if not (0 <= row < grid[0] and 0 <= column < grid[1]):
            raise ValueError(f"output pixel {(row, column)} is outside the {grid[0]}x{grid[1]} output")
    return grid


def _show(axes, values):
    """imshow of grey values (rows, columns), numbered when few, or of colours (rows, columns, 3)."""
    if values.ndim == 3:
        return axes.imshow(numpy.clip(values, 0, 1), interpolation="nearest")
    shown = axes.imshow(values, cmap="Greys", vmin=0, vmax=max(1.0, values.max()) * 1.6,
                        interpolation="nearest")
    if values.size <= NUMBERS_SHOWN_UP_TO:
        for (row, column), value in numpy.ndenumerate(values):
            axes.text(column, row, f"{value:g}", ha="center", va="center", fontsize=7)
    return shown


def draw_input_patches(axes, image, kernel, stride, padding, outputs):
    """The padded input with the patch of each chosen output pixel outlined.

    axes: matplotlib Axes; image: (H, W) grey (e.g. numbered_image) or (H, W, 3) RGB in [0, 1];
    kernel: (kH, kW); stride, padding: ints as for resnet.conv2d_forward;
    outputs: list of (row, column) output pixels, at most len(PATCH_COLOURS).
    Returns the AxesImage drawn.
    """
    batch = _as_batch(image)
    _check_outputs(batch.shape[1:], kernel, stride, padding, outputs)
    padded = numpy.pad(batch[0], ((padding, padding), (padding, padding), (0, 0)))
    shown = _show(axes, padded[:, :, 0] if padded.shape[2] == 1 else padded)
    H, W = batch.shape[1:3]
    axes.add_patch(Rectangle((padding - 0.5, padding - 0.5), W, H, fill=False, lw=1.5, ls="--", ec="black"))
    for colour, (row, column) in zip(PATCH_COLOURS, outputs):
        corner = (column * stride - 0.5, row * stride - 0.5)
        axes.add_patch(Rectangle(corner, kernel[1], kernel[0], fill=False, lw=2.5, ec=colour,
                                 label=f"output pixel {(row, column)}"))
    axes.set(xlabel="column of the padded input (pixels)", ylabel="row of the padded input (pixels)",
             title=f"input (dashed) with {padding} pixel(s) of zero padding;\n"
                   f"{kernel[0]}x{kernel[1]} patches, stride {stride}")
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    return shown


def draw_patch_matrix(axes, image, kernel, stride, padding, outputs=()):
    """The patch matrix resnet.im2col builds from image, one row per output pixel.

    Arguments as for draw_input_patches. Grey images show (H_out * W_out, kH * kW * C)
    numbers; RGB images show each row as kH * kW coloured squares. The rows of `outputs`
    are outlined in the colours draw_input_patches uses for them.
    Returns the AxesImage drawn.
    """
    batch = _as_batch(image)
    H_out, W_out = _check_outputs(batch.shape[1:], kernel, stride, padding, outputs)
    cols = im2col(batch, kernel, stride, padding)  # (1, H_out, W_out, kH, kW, C)
    C = batch.shape[3]
    if C == 3:
        matrix = cols.reshape(H_out * W_out, kernel[0] * kernel[1], 3)
        xlabel = "kernel offset (i, j), row by row: one square per pixel, its 3 channels as its colour"
    else:
        matrix = cols.reshape(H_out * W_out, kernel[0] * kernel[1] * C)
        xlabel = "column: kernel offset (i, j) row by row" + (", channels innermost" if C > 1 else "")
    shown = _show(axes, matrix)
    for colour, (row, column) in zip(PATCH_COLOURS, outputs):
        index = row * W_out + column
        axes.add_patch(Rectangle((-0.5, index - 0.5), matrix.shape[1], 1, fill=False, lw=2.5, ec=colour))
    axes.set(xlabel=xlabel, ylabel="row = output pixel (r, s), numbered r * W_out + s",
             title=f"patch matrix: {H_out * W_out} rows x {kernel[0] * kernel[1] * C} numbers")
    return shown
