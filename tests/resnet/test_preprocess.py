"""Image preprocessing: modes, EXIF orientation, resize/crop geometry, normalisation, bad files."""

import numpy as np
import pytest
from PIL import Image

from resnet.preprocess import (
    ImageLoadError,
    center_crop_box,
    imagenet_class_names,
    load_image,
    load_images,
    open_rgb,
    preprocess_image,
    resized_size,
)

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
EXIF_ORIENTATION = 0x0112
ROTATE_90_CLOCKWISE_TO_DISPLAY = 6


def save(tmp_path, image, name, **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def test_normalisation_of_a_constant_image_matches_a_hand_computation():
    x = preprocess_image(Image.new("RGB", (300, 260), (255, 0, 128)))
    # (255/255 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128/255 - 0.406) / 0.225, worked by hand.
    expected = np.array([2.2489083, -2.0357143, 0.42649237])
    assert x.shape == (3, 224, 224)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, np.broadcast_to(expected[:, None, None], x.shape), rtol=1e-6)


def test_resized_size_keeps_aspect_and_truncates_the_longer_side():
    assert resized_size(500, 375, 256) == (341, 256)  # 256 * 500 / 375 = 341.33
    assert resized_size(375, 500, 256) == (256, 341)
    assert resized_size(128, 100, 256) == (327, 256)  # 327.68 truncates to 327
    assert resized_size(300, 300, 256) == (256, 256)


def test_center_crop_box_splits_odd_margins_like_python_round():
    assert center_crop_box(341, 256, 224) == (58, 16, 282, 240)  # (341-224)/2 = 58.5 -> 58
    assert center_crop_box(327, 256, 224) == (52, 16, 276, 240)  # 51.5 -> 52
    assert center_crop_box(224, 224, 224) == (0, 0, 224, 224)


def test_resize_and_crop_geometry_on_linear_ramps():
    # Red rises 2 per column, green 2 per row. Bilinear interpolation reproduces a linear
    # ramp exactly away from the borders, so each output pixel's value tells where in the
    # source it was sampled: 128 x 100 -> 327 x 256, then the crop starts at column 52, row 16.
    columns, rows = np.meshgrid(np.arange(128), np.arange(100))
    pixels = np.stack([2 * columns, 2 * rows, np.full_like(columns, 100)], axis=-1).astype(np.uint8)
    x = preprocess_image(Image.fromarray(pixels))

    source_column = (52 + np.arange(224) + 0.5) * 128 / 327 - 0.5
    source_row = (16 + np.arange(224) + 0.5) * 100 / 256 - 0.5
    expected_red = 2 * np.broadcast_to(source_column[None, :], (224, 224))
    expected_green = 2 * np.broadcast_to(source_row[:, None], (224, 224))
    for channel, expected in ((0, expected_red), (1, expected_green), (2, np.full((224, 224), 100.0))):
        pixel_values = (x[channel] * STD[channel] + MEAN[channel]) * 255
        np.testing.assert_allclose(pixel_values, expected, atol=0.6, err_msg=f"channel {channel}")


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (50, 40), 100),
        Image.new("RGBA", (50, 40), (100, 100, 100, 7)),
        Image.new("RGB", (50, 40), (100, 100, 100)).convert("P"),
        Image.new("CMYK", (50, 40), (0, 0, 0, 155)),
    ],
    ids=["grey", "rgba", "palette", "cmyk"],
)
def test_every_mode_gives_an_rgb_float32_input(tmp_path, image):
    path = save(tmp_path, image, f"image.{'jpg' if image.mode == 'CMYK' else 'png'}")
    x = load_image(path)
    assert x.shape == (3, 224, 224)
    assert x.dtype == np.float32
    # Each is a flat grey of about 100: alpha is dropped, CMYK's K=155 leaves 255-155.
    expected = (100 / 255 - MEAN) / STD
    np.testing.assert_allclose(x.mean(axis=(1, 2)), expected, atol=2 / 255 / STD.min())


def test_exif_orientation_turns_the_image_upright(tmp_path):
    stored = np.zeros((32, 48, 3), dtype=np.uint8)  # 48 wide, 32 tall, as the camera stored it
    stored[:16, :24] = (255, 0, 0)  # red top-left
    stored[:16, 24:] = (0, 255, 0)  # green top-right
    stored[16:] = (0, 0, 255)  # blue bottom
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CLOCKWISE_TO_DISPLAY
    path = save(tmp_path, Image.fromarray(stored), "photo.jpg", exif=exif, quality=95)

    upright = np.asarray(open_rgb(path)).astype(int)
    expected = np.rot90(stored, k=-1).astype(int)  # a quarter turn clockwise
    assert upright.shape == expected.shape == (48, 32, 3)
    # Compare block centres, away from JPEG ringing at the colour edges.
    for row, column in ((8, 8), (8, 24), (40, 8), (40, 24)):
        np.testing.assert_allclose(upright[row, column], expected[row, column], atol=12)


def test_size_options_for_smaller_models():
    x = preprocess_image(Image.new("RGB", (80, 60), (1, 2, 3)), resize_size=40, crop_size=32)
    assert x.shape == (3, 32, 32)


@pytest.mark.parametrize(("resize_size", "crop_size"), [(32, 40), (0, 0), (256, 224.0)])
def test_bad_size_options_are_refused(resize_size, crop_size):
    with pytest.raises(ValueError, match="size"):
        preprocess_image(Image.new("RGB", (8, 8)), resize_size=resize_size, crop_size=crop_size)


def test_text_file_named_jpg_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a picture\n")
    with pytest.raises(ImageLoadError, match="notes.jpg"):
        load_image(path)


def test_truncated_jpeg_is_an_error_naming_the_file(tmp_path):
    whole = save(tmp_path, Image.effect_noise((64, 64), 50).convert("RGB"), "whole.jpg")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[:300])
    with pytest.raises(ImageLoadError, match="cut.jpg"):
        load_image(cut)


def test_missing_file_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(ImageLoadError, match="absent.png"):
        load_image(tmp_path / "absent.png")


def test_load_images_stacks_in_the_order_given(tmp_path):
    colours = [(250, 10, 10), (10, 250, 10), (10, 10, 250)]
    paths = [save(tmp_path, Image.new("RGB", (40, 30), rgb), f"{i}.png") for i, rgb in enumerate(colours)]
    batch = load_images(paths[::-1], resize_size=20, crop_size=16)
    assert batch.shape == (3, 3, 16, 16)
    assert batch.dtype == np.float32
    for index, path in enumerate(paths[::-1]):
        np.testing.assert_array_equal(batch[index], load_image(path, resize_size=20, crop_size=16))
    assert load_images([], resize_size=20, crop_size=16).shape == (0, 3, 16, 16)


def test_imagenet_class_names():
    names = imagenet_class_names()
    assert len(names) == 1000
    assert names[:3] == ["tench", "goldfish", "great white shark"]
    assert names[207] == "golden retriever"
    assert names[281] == "tabby"
    assert names[999] == "toilet tissue"
    assert all(name and name == name.strip() for name in names)


def test_matches_torchvision_transform(tmp_path):
    transforms = pytest.importorskip("torchvision.transforms")
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (300, 411, 3), dtype=np.uint8))
    reference = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(MEAN.tolist(), STD.tolist()),
        ]
    )(image)
    np.testing.assert_allclose(preprocess_image(image), reference.numpy(), atol=1e-5)
