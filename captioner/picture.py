"""A picture's way into the encoder: the one place that turns pixels into the numbers a ResNet reads.

A captioner records how its encoder wants to see pictures (a PictureInput, saved in its
checkpoint), and everything that hands it a picture goes through `to_encoder_input`: training,
the demo, the CLI, the notebooks and the web page. Two recipes exist:

    "square"    the largest centred square, resized to size x size, pixels / 255
                (the synthetic pictures, already square, skip the resize)
    "imagenet"  torchvision's evaluation transform (resnet.preprocess): the shorter side resized
                to 256, the centre 224 x 224 kept, then (pixels / 255 - mean) / std, which is
                what torchvision's ImageNet weights were trained on
"""

from dataclasses import asdict, dataclass

import numpy
from PIL import Image

from numerics import array_module, check_shape, selected, to_host
from numerics.validation import InputError
from resnet.preprocess import CROP_SIZE, imagenet_crop, imagenet_normalise, open_rgb, to_rgb

RECIPES = ("square", "imagenet")


@dataclass(frozen=True)
class PictureInput:
    """How a picture becomes encoder input: a size x size RGB square made by `recipe`."""

    size: int
    recipe: str = "square"

    def __post_init__(self):
        if self.recipe not in RECIPES:
            raise InputError(f"picture recipe must be one of {RECIPES}, got {self.recipe!r}")
        if not isinstance(self.size, int) or self.size < 1:
            raise InputError(f"picture size must be a positive int, got {self.size!r}")
        if self.recipe == "imagenet" and self.size != CROP_SIZE:
            raise InputError(f"the imagenet recipe makes {CROP_SIZE} x {CROP_SIZE} pictures, not {self.size}")

    def to_dict(self):
        return asdict(self)


IMAGENET_INPUT = PictureInput(CROP_SIZE, "imagenet")


def to_encoder_input(pictures, picture_input, dtype=numpy.float32, xp=None):
    """Pictures as the encoder's input batch.

    pictures: (N, H, W, 3) uint8 (NumPy or CuPy), or a list of N pictures, each an image file
    path, a PIL image or an (H, W, 3) uint8 array; picture_input: a PictureInput.
    Returns (N, 3, S, S) of `dtype` on the backend xp (by default the pictures' own, or the
    selected one for files), S = picture_input.size.
    """
    size = picture_input.size
    if getattr(pictures, "ndim", None) == 4:
        check_shape("pictures", pictures, ("N", "H", "W", 3))
        if pictures.dtype != numpy.uint8:
            raise InputError(f"pictures must be uint8 (0..255), got dtype {pictures.dtype}")
        xp = xp or array_module(pictures)
    else:
        xp = xp or selected()
    if getattr(pictures, "ndim", None) != 4 or pictures.shape[1:3] != (size, size):
        pictures = numpy.stack([fit_picture(picture, picture_input) for picture in pictures])
    floats = xp.ascontiguousarray(xp.asarray(pictures).transpose(0, 3, 1, 2)).astype(dtype)
    floats /= 255
    if picture_input.recipe == "imagenet":
        imagenet_normalise(floats)
    return floats


def fit_picture(picture, picture_input):
    """One picture cut and resized as the recipe says: (S, S, 3) uint8 host array.

    picture: an image file path, a PIL image, or an (H, W, 3) uint8 array (NumPy or CuPy).
    """
    image = as_rgb_image(picture)
    if picture_input.recipe == "imagenet":
        return imagenet_crop(image)
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    if side != picture_input.size:
        square = square.resize((picture_input.size, picture_input.size), Image.Resampling.BILINEAR)
    return numpy.asarray(square)


def as_rgb_image(picture):
    """An upright RGB PIL image from a file path, a PIL image or an (H, W, 3) uint8 array.

    Images in any mode are converted by resnet.preprocess.to_rgb: 16-bit and float greys are
    scaled to 0..255, not clipped.
    """
    if isinstance(picture, Image.Image):
        return to_rgb(picture)
    if hasattr(picture, "shape"):
        pixels = to_host(picture)
        check_shape("picture", pixels, ("H", "W", 3))
        if pixels.dtype != numpy.uint8:
            raise InputError(f"a picture array must be uint8 (0..255), got dtype {pixels.dtype}")
        return Image.fromarray(pixels)
    return open_rgb(picture)
