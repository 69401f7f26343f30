"""An uploaded picture: decoded by Pillow within limits, or refused with one line saying why.

The server hands every upload's bytes here before the model sees them. A picture is refused when
it is empty, not in one of FORMATS, damaged or truncated, or declares more than `max_pixels`
pixels: a few kilobytes can declare a picture of billions of pixels (a decompression bomb), so
the size is checked from the header before any pixel is decoded.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
MAX_PIXELS = 40_000_000  # a 7300 x 5500 photo; decoding it takes about 120 MB


class UploadError(ValueError):
    """An upload that is not a picture this page accepts; the message says why, in one line."""


def read_picture(body, max_pixels=MAX_PIXELS):
    """The picture in `body` (bytes) as an upright RGB PIL image; UploadError otherwise."""
    if not body:
        raise UploadError("the upload is empty: send the picture's bytes as the request body")
    try:
        image = Image.open(io.BytesIO(body), formats=FORMATS)
    except UnidentifiedImageError:
        raise UploadError(f"the upload is not a picture in a format read here ({', '.join(FORMATS)}); "
                          f"it begins with {body[:12]!r}") from None
    except Image.DecompressionBombError as error:
        raise UploadError(f"the picture declares too many pixels to decode safely: {error}") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise UploadError(f"the picture declares {width} x {height} pixels, more than the "
                              f"{max_pixels:,} accepted here (a decompression bomb?)")
        try:
            # Pillow reads only the header in open(): a truncated or damaged body fails here.
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise UploadError(f"the picture could not be decoded (truncated or damaged?): {error}") from None
