"""A picture's way into the encoder: both recipes, every kind of picture, and bad pictures named."""

import numpy as np
import pytest
from PIL import Image

from captioner.picture import IMAGENET_INPUT, PictureInput, as_rgb_image, fit_picture, to_encoder_input
from captioner.synthetic import make_split
from numerics import to_host
from resnet.preprocess import load_image


def test_square_pictures_of_the_right_size_are_only_scaled(xp):
    images = xp.asarray(make_split("test", 2, image_size=32).images)
    floats = to_encoder_input(images, PictureInput(32))
    assert floats.shape == (2, 3, 32, 32) and floats.dtype == np.float32
    assert type(floats) is type(images)
    expected = to_host(images).transpose(0, 3, 1, 2) / 255.0
    np.testing.assert_allclose(to_host(floats), expected, rtol=1e-6)
    assert to_encoder_input(images, PictureInput(32), dtype=np.float64).dtype == np.float64


def test_a_wide_picture_is_cut_to_its_centred_square_then_resized():
    pixels = np.zeros((20, 60, 3), dtype=np.uint8)
    pixels[:, 20:40] = 200  # the centred 20 x 20 square is uniformly 200
    fitted = fit_picture(pixels, PictureInput(10))
    assert fitted.shape == (10, 10, 3)
    assert (fitted == 200).all()


def test_files_arrays_and_pil_images_give_the_same_input(tmp_path):
    image = make_split("test", 1, image_size=48).images[0]
    Image.fromarray(image).save(tmp_path / "picture.png")
    sources = [tmp_path / "picture.png", Image.fromarray(image), image]
    inputs = [to_encoder_input([source], PictureInput(32)) for source in sources]
    for other in inputs[1:]:
        np.testing.assert_array_equal(inputs[0], other)
    np.testing.assert_array_equal(inputs[0], to_encoder_input(image[None], PictureInput(32)))


def test_the_imagenet_recipe_is_torchvisions_evaluation_transform(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "photo.png")
    ours = to_encoder_input([tmp_path / "photo.png"], IMAGENET_INPUT)[0]
    np.testing.assert_allclose(ours, load_image(tmp_path / "photo.png"), rtol=1e-6, atol=1e-6)


def test_bad_pictures_are_named(xp, tmp_path):
    with pytest.raises(ValueError, match=r"pictures must have shape \(N, H, W, 3\)"):
        to_encoder_input(xp.zeros((2, 3, 32, 32), dtype=xp.uint8), PictureInput(32))
    with pytest.raises(ValueError, match="pictures must be uint8"):
        to_encoder_input(xp.zeros((2, 32, 32, 3), dtype=xp.float32), PictureInput(32))
    (tmp_path / "notes.txt").write_text("not a picture")
    with pytest.raises(ValueError, match="notes.txt is not an image"):
        to_encoder_input([tmp_path / "notes.txt"], PictureInput(32))
    with pytest.raises(ValueError, match="picture recipe must be one of"):
        PictureInput(32, "bicubic")


# Grey levels written by hand: 16-bit 257 * k is 8-bit k (65535 = 257 * 255); float 0..1 times 255.
WIDE_GREYS = {
    "16-bit": np.array([[0, 257, 257 * 128, 65535]], dtype=np.uint16),
    "mode I": np.array([[0, 257, 257 * 128, 65535]], dtype=np.int32),
    "float 0..1": np.array([[0.0, 1 / 255, 128 / 255, 1.0]], dtype=np.float32),
    "float 0..255": np.array([[0.0, 1.0, 128.0, 255.0]], dtype=np.float32),
}


@pytest.mark.parametrize("kind", WIDE_GREYS)
def test_16_bit_and_float_greys_are_scaled_not_clipped(tmp_path, kind):
    image = Image.fromarray(WIDE_GREYS[kind])
    assert image.mode in ("I;16", "I", "F")
    expected = np.repeat(np.array([[0, 1, 128, 255]], dtype=np.uint8)[..., None], 3, axis=2)
    np.testing.assert_array_equal(np.asarray(as_rgb_image(image)), expected)
    if image.mode == "I;16":  # a 16-bit PNG file goes through the same conversion
        image.save(tmp_path / "grey16.png")
        np.testing.assert_array_equal(np.asarray(as_rgb_image(tmp_path / "grey16.png")), expected)
        np.testing.assert_array_equal(load_image(tmp_path / "grey16.png", 4, 4),
                                      load_image_of(expected, tmp_path))


def load_image_of(pixels, folder):
    """What the ImageNet preprocessing makes of these 8-bit RGB pixels, saved as a PNG."""
    Image.fromarray(pixels).save(folder / "grey8.png")
    return load_image(folder / "grey8.png", 4, 4)


@pytest.mark.parametrize("grey", [np.array([[-1.0, 0.5]], dtype=np.float32),
                                  np.array([[0.0, 300.0]], dtype=np.float32),
                                  np.array([[0.0, np.nan]], dtype=np.float32),
                                  np.array([[0, 70000]], dtype=np.int32)],
                         ids=["negative float", "float above 255", "NaN", "mode I above 16 bits"])
def test_greys_of_no_known_scale_are_refused(grey):
    with pytest.raises(ValueError, match=r"mode (F|I) image with values from .* has no known scale"):
        to_encoder_input([Image.fromarray(grey)], PictureInput(2))
