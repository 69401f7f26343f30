"""ImageNet conventions: turning an image file into ResNet input, and the 1000 class names.

The steps are torchvision's evaluation transform for its ImageNet weights, so that
those weights see the inputs they were trained on:

    open (any mode) -> upright by EXIF orientation -> RGB
    -> Resize(256): shorter side to 256, bilinear with antialiasing (Pillow's resize)
    -> CenterCrop(224) -> ToTensor: (3, H, W) in [0, 1] -> Normalize(mean, std)

Images are read on the host (Pillow), so this module uses NumPy directly; the model
moves the batch to its device.
"""

from pathlib import Path

import numpy
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESIZE_SIZE = 256
CROP_SIZE = 224
CLASS_NAMES_FILE = Path(__file__).with_name("imagenet_classes.txt")


class ImageLoadError(ValueError):
    """A file that is missing or not a readable image; the message names the file."""


def resized_size(width, height, shorter_side):
    """(new_width, new_height) with the shorter side equal to `shorter_side`, aspect kept.

    The longer side is truncated, not rounded, as torchvision's Resize does.
    """
    if width <= height:
        return shorter_side, int(shorter_side * height / width)
    return int(shorter_side * width / height), shorter_side


def center_crop_box(width, height, crop_size):
    """(left, top, right, bottom) of the crop_size x crop_size square in the middle.

    An odd margin is split with Python's round (halves to even), as torchvision's CenterCrop does.
    """
    left = int(round((width - crop_size) / 2.0))
    top = int(round((height - crop_size) / 2.0))
    return left, top, left + crop_size, top + crop_size


def _check_sizes(resize_size, crop_size):
    for name, value in (("resize_size", resize_size), ("crop_size", crop_size)):
        if not isinstance(value, (int, numpy.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if crop_size > resize_size:
        raise ValueError(f"crop_size ({crop_size}) must not exceed resize_size ({resize_size})")


def open_rgb(path):
    """The image at `path` as an upright RGB PIL image; ImageLoadError names the file otherwise.

    Every mode (L, RGBA, P, CMYK, 16-bit, ...) goes through Pillow's convert("RGB"), the
    same conversion torchvision's image loader uses (alpha is dropped, not composited).
    """
    try:
        with Image.open(path) as image:
            return ImageOps.exif_transpose(image).convert("RGB")
    except FileNotFoundError:
        raise ImageLoadError(f"image file not found: {path}") from None
    except IsADirectoryError:
        raise ImageLoadError(f"{path} is a folder, not an image file") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{path} is not an image (or its format is unknown to Pillow)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # Truncated or corrupt files fail while decoding, with Pillow's own message.
        raise ImageLoadError(f"{path} could not be decoded as an image: {error}") from error


def preprocess_image(image, resize_size=RESIZE_SIZE, crop_size=CROP_SIZE):
    """A PIL RGB image as a normalised network input.

    image: PIL image in mode RGB, any size (W, H).
    Returns x: (3, crop_size, crop_size) float32 NumPy array, channels R, G, B, each
    (pixel / 255 - mean) / std with ImageNet's mean and std.
    """
    _check_sizes(resize_size, crop_size)
    if image.mode != "RGB":
        raise ValueError(f"image must be in mode RGB, got {image.mode!r}")
    resized = image.resize(resized_size(*image.size, resize_size), Image.Resampling.BILINEAR)
    cropped = resized.crop(center_crop_box(*resized.size, crop_size))
    pixels = numpy.asarray(cropped, dtype=numpy.float32).transpose(2, 0, 1) / numpy.float32(255)
    mean = numpy.asarray(IMAGENET_MEAN, dtype=numpy.float32)[:, None, None]
    std = numpy.asarray(IMAGENET_STD, dtype=numpy.float32)[:, None, None]
    return numpy.ascontiguousarray((pixels - mean) / std)


def load_image(path, resize_size=RESIZE_SIZE, crop_size=CROP_SIZE):
    """The image file at `path` as x: (3, crop_size, crop_size) float32 (see preprocess_image)."""
    return preprocess_image(open_rgb(path), resize_size, crop_size)


def load_images(paths, resize_size=RESIZE_SIZE, crop_size=CROP_SIZE):
    """Image files as one batch x: (N, 3, crop_size, crop_size) float32, in the order given."""
    _check_sizes(resize_size, crop_size)
    batch = numpy.empty((len(paths), 3, crop_size, crop_size), dtype=numpy.float32)
    for index, path in enumerate(paths):
        batch[index] = load_image(path, resize_size, crop_size)
    return batch


def imagenet_class_names():
    """The 1000 ImageNet class names, index i naming logit i (0: "tench", 1: "goldfish", ...)."""
    return CLASS_NAMES_FILE.read_text(encoding="utf-8").splitlines()
