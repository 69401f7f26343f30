"""The attention pictures: the right kind of file, and the light where the weights are."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from captioner.figures import (
    animate_attention,
    draw_attention,
    save_attention_animation,
    save_attention_picture,
    upsample_attention,
)

WORDS = ["a", "red", "circle", "left", "of", "a", "blue", "square"]


def one_hot(cell, cells):
    alpha = np.full(cells, 0.0)
    alpha[cell] = 1.0
    return alpha


def caption_attention(rows=3, cols=3, seed=0):
    """A picture, and weights that wander from cell to cell: one row per word of WORDS."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    alphas = rng.dirichlet(np.full(rows * cols, 0.3), size=len(WORDS))
    return image, alphas


@pytest.mark.parametrize("grid, size, cell", [(3, (48, 48), (1, 2)), ((2, 4), (40, 64), (1, 0)),
                                              (7, (224, 224), (0, 6))])
def test_a_map_on_one_cell_peaks_inside_that_cell(grid, size, cell):
    rows, cols = (grid, grid) if np.ndim(grid) == 0 else grid
    row, col = cell
    heat = upsample_attention(one_hot(row * cols + col, rows * cols), grid, size)
    assert heat.shape == size
    peak_row, peak_col = np.unravel_index(np.argmax(heat), heat.shape)
    cell_height, cell_width = size[0] / rows, size[1] / cols
    assert int(peak_row // cell_height) == row and int(peak_col // cell_width) == col
    assert heat.min() >= 0.0 and 0.99 < heat.max() <= 1.0  # the centre may fall between two pixels


def test_upsampling_keeps_equal_weights_flat_and_blends_smoothly():
    flat = upsample_attention(np.full(9, 1 / 9), 3, (30, 30))
    np.testing.assert_allclose(flat, 1 / 9, rtol=1e-14)
    # Two cells side by side: across the gap between their centres the map goes from one to the
    # other without a step larger than a pixel's share, and it is symmetric.
    row = upsample_attention(np.array([1.0, 0.0]), (1, 2), (1, 40))[0]
    assert row[0] == 1.0 and row[-1] == 0.0
    assert np.all(np.diff(row) <= 0) and np.abs(np.diff(row)).max() < 0.1
    np.testing.assert_allclose(row, 1 - row[::-1], atol=1e-14)


def test_the_drawn_picture_is_brightest_over_the_attended_cell():
    rows = cols = 3
    image = np.full((90, 90, 3), 128, dtype=np.uint8)  # plain grey: only the attention lights it
    figure = Figure(figsize=(3, 3), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    target = (2, 1)
    shown = draw_attention(axes, image, one_hot(target[0] * cols + target[1], rows * cols), (rows, cols))
    assert shown.get_label() == "attention"
    canvas.draw()
    # (300, 300) grey levels, top row first, like the picture's rows.
    pixels = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(float).mean(axis=2)
    blocks = pixels.reshape(rows, 100, cols, 100).mean(axis=(1, 3))
    assert np.unravel_index(np.argmax(blocks), blocks.shape) == target


def test_the_picture_is_a_png_with_one_panel_per_word(tmp_path):
    image, alphas = caption_attention()
    path = tmp_path / "attention.png"
    save_attention_picture(path, image, WORDS, alphas, 3, columns=5)
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        # 9 panels (the picture and 8 words), 5 a row: 2 rows of 2.4-inch panels at 110 dpi.
        assert picture.size == (round(5 * 2.4 * 110), round((2 * 2.4 + 0.5) * 110))


def test_the_animation_is_a_gif_with_one_frame_per_word(tmp_path):
    image, alphas = caption_attention(rows=2, cols=4)
    path = tmp_path / "attention.gif"
    save_attention_animation(path, image, WORDS, alphas, (2, 4))
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(WORDS)
        assert gif.size == (round(7.2 * 80), round(3.8 * 80))


def test_the_animation_shows_the_last_words_weights(tmp_path):
    image, alphas = caption_attention(rows=2, cols=4, seed=1)
    animation = animate_attention(image, WORDS, alphas, (2, 4))
    animation.save(tmp_path / "a.gif", writer="pillow", dpi=30)
    figure = animation._fig  # matplotlib keeps the figure of an Animation here
    shown = {drawn.get_label(): np.asarray(drawn.get_array()) for ax in figure.axes for drawn in ax.images}
    np.testing.assert_allclose(shown["weights"], alphas[-1].reshape(2, 4), rtol=1e-15)
    expected_map = upsample_attention(alphas[-1], (2, 4), (48, 64))
    np.testing.assert_allclose(shown["attention"], expected_map, rtol=1e-15)
    assert figure.texts[0].get_text().endswith("[square]")


def test_bad_input_is_named():
    image, alphas = caption_attention()
    with pytest.raises(ValueError, match=r"alphas must have shape \(8, 9\), got \(8, 4\)"):
        animate_attention(image, WORDS, alphas[:, :4], 3)
    with pytest.raises(ValueError, match=r"alphas must have shape \(7, 9\)"):
        save_attention_picture("never.png", image, WORDS[:7], alphas, 3)
    with pytest.raises(ValueError, match="image must be uint8"):
        animate_attention(image.astype(float), WORDS, alphas, 3)
    with pytest.raises(ValueError, match=r"image must have shape \(H, W, 3\)"):
        animate_attention(image[:, :, 0], WORDS, alphas, 3)
    with pytest.raises(ValueError, match="grid must be a positive int or a pair"):
        upsample_attention(alphas[0], 0, (10, 10))
