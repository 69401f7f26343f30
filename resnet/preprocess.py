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

from numerics import array_module
from numerics.validation import InputError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESIZE_SIZE = 256
CROP_SIZE = 224
CLASS_NAMES_FILE = Path(__file__).with_name("imagenet_classes.txt")


class ImageLoadError(InputError):
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


# The full scale of the grey modes that hold more than 8 bits. Pillow's convert("RGB") clips
# them at 255, which turns a 16-bit photo white, so they are scaled to 0..255 first.
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


def to_rgb(image):
    """A PIL image of any mode in mode RGB.

    8-bit modes (L, RGBA, P, CMYK, ...) go through Pillow's convert("RGB"), the conversion
    torchvision's image loader uses (alpha is dropped, not composited). Wider greys are scaled:
    16-bit (I;16..., and mode I when its values fit 0..65535) by 255 / 65535, float (F) by 255
    when its values lie in 0..1 and as they are in 0..255. Values outside these ranges (negative,
    larger, NaN) have no known scale: ValueError says so rather than guessing.
    """
    if image.mode not in SIXTEEN_BIT_MODES + ("I", "F"):
        return image.convert("RGB")
    pixels = numpy.asarray(image, dtype=numpy.float64)
    low, high = (float(pixels.min()), float(pixels.max())) if pixels.size else (0.0, 0.0)
    if image.mode == "F" and 0 <= low <= high <= 1:
        full_scale = 1.0
    elif image.mode == "F" and 0 <= low <= high <= 255:
        full_scale = 255.0
    elif image.mode != "F" and 0 <= low <= high <= 65535:
        full_scale = 65535.0
    else:
        expected = "0..1 or 0..255" if image.mode == "F" else "0..65535"
        raise ValueError(f"a mode {image.mode} image with values from {low} to {high} has no known scale "
                         f"(expected {expected})")
    grey = numpy.rint(pixels * (255 / full_scale)).astype(numpy.uint8)
    return Image.fromarray(grey, "L").convert("RGB")


def open_rgb(path):
    """The image at `path` as an upright RGB PIL image; ImageLoadError names the file otherwise.

    Every mode goes through `to_rgb` (see there: 16-bit and float greys are scaled, not clipped).
    """
    try:
        with Image.open(path) as image:
            return to_rgb(ImageOps.exif_transpose(image))
    except FileNotFoundError:
        raise ImageLoadError(f"image file not found: {path}") from None
    except IsADirectoryError:
        raise ImageLoadError(f"{path} is a folder, not an image file") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{path} is not an image (or its format is unknown to Pillow)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # Truncated or corrupt files fail while decoding, with Pillow's own message.
        raise ImageLoadError(f"{path} could not be decoded as an image: {error}") from error


def imagenet_crop(image, resize_size=RESIZE_SIZE, crop_size=CROP_SIZE):
    """torchvision's evaluation crop: the shorter side resized to resize_size (bilinear), then the
    centred crop_size square kept.

    image: PIL image in mode RGB, any size (W, H). Returns (crop_size, crop_size, 3) uint8.
    """
    resized = image.resize(resized_size(*image.size, resize_size), Image.Resampling.BILINEAR)
    return numpy.asarray(resized.crop(center_crop_box(*resized.size, crop_size)))


def imagenet_normalise(x):
    """x: (..., 3, H, W) floats, pixels / 255 (NumPy or CuPy), made (x - mean) / std in place with
    ImageNet's mean and std per channel, what torchvision's ImageNet weights were trained on.
    Returns x."""
    xp = array_module(x)
    x -= xp.asarray(IMAGENET_MEAN, dtype=x.dtype)[:, None, None]
    x /= xp.asarray(IMAGENET_STD, dtype=x.dtype)[:, None, None]
    return x


def preprocess_image(image, resize_size=RESIZE_SIZE, crop_size=CROP_SIZE):
    """A PIL RGB image as a normalised network input: imagenet_crop, then imagenet_normalise.

    image: PIL image in mode RGB, any size (W, H).
    Returns x: (3, crop_size, crop_size) float32 NumPy array, channels R, G, B, each
    (pixel / 255 - mean) / std with ImageNet's mean and std.
    """
    _check_sizes(resize_size, crop_size)
    if image.mode != "RGB":
        raise ValueError(f"image must be in mode RGB, got {image.mode!r}")
    pixels = imagenet_crop(image, resize_size, crop_size).astype(numpy.float32).transpose(2, 0, 1)
    pixels /= numpy.float32(255)
    return numpy.ascontiguousarray(imagenet_normalise(pixels))


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
