"""The im2col pictures show exactly the pixels each patch reads."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from resnet.figures import PATCH_COLOURS, draw_input_patches, draw_patch_matrix, numbered_image


def patch_by_hand(image, row, column, kernel, stride, padding):
    """The pixel numbers under the kernel at output (row, column), 0 off the image, row by row."""
    H, W = image.shape
    values = []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            r, c = row * stride + i - padding, column * stride + j - padding
            values.append(image[r, c] if 0 <= r < H and 0 <= c < W else 0.0)
    return values


def outlines(axes):
    return [patch for patch in axes.patches if isinstance(patch, Rectangle)]


@pytest.mark.parametrize("kernel, stride, padding", [((3, 3), 1, 1), ((3, 3), 2, 1), ((2, 3), 1, 0)])
def test_patch_matrix_rows_hold_the_pixels_under_the_kernel(kernel, stride, padding):
    image = numbered_image(5, 6)
    axes = Figure().add_subplot()
    draw_patch_matrix(axes, image, kernel, stride, padding, outputs=[(1, 1)])
    matrix = axes.images[0].get_array()
    W_out = (6 + 2 * padding - kernel[1]) // stride + 1
    for index, row in enumerate(matrix):
        r, s = divmod(index, W_out)
        assert row.tolist() == patch_by_hand(image, r, s, kernel, stride, padding)
    (outline,) = outlines(axes)
    assert outline.get_xy() == (-0.5, W_out + 1 - 0.5)  # row 1 * W_out + 1
    assert axes.get_xlabel() and axes.get_ylabel() and axes.get_title()


def test_input_picture_outlines_each_chosen_patch_over_the_padded_image():
    axes = Figure().add_subplot()
    draw_input_patches(axes, numbered_image(4, 4), (3, 3), 2, 1, [(0, 0), (1, 1)])
    padded = axes.images[0].get_array()
    assert padded.shape == (6, 6) and padded[0].sum() == 0 and padded[1, 1] == 1
    boxes = outlines(axes)
    assert len(boxes) == 3  # the image's own frame and one box per output pixel
    assert [box.get_xy() for box in boxes[1:]] == [(-0.5, -0.5), (1.5, 1.5)]
    assert [box.get_edgecolor() for box in boxes[1:]] == [
        Rectangle((0, 0), 1, 1, ec=colour).get_edgecolor() for colour in PATCH_COLOURS[:2]
    ]


def test_rgb_rows_are_one_coloured_square_per_kernel_offset():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (4, 4, 3))
    axes = Figure().add_subplot()
    draw_patch_matrix(axes, image, (2, 2), 2, 0)
    matrix = axes.images[0].get_array()
    assert matrix.shape == (4, 4, 3)
    assert np.array_equal(matrix[3], image[2:4, 2:4].reshape(4, 3))  # output (1, 1)


def test_output_pixel_outside_the_output_is_refused():
    with pytest.raises(ValueError, match=r"outside the 2x2 output"):
        draw_patch_matrix(Figure().add_subplot(), numbered_image(4, 4), (3, 3), 2, 1, outputs=[(2, 0)])
