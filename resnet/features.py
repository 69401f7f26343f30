"""Image features for the caption decoder: one pooled ResNet vector per image file.

Images are read and preprocessed on the host a batch at a time, run through the model
on its own device, and the (N, D) result is gathered on the host, optionally straight
into a memory-mappable `.npy` file so that a large folder never has to fit in memory.
"""

import itertools
from pathlib import Path

import numpy
from tqdm import tqdm

from numerics import to_device, to_host
from numerics.files import open_npy, write_text, writing_npy
from numerics.validation import InputError
from resnet.preprocess import CROP_SIZE, RESIZE_SIZE, load_images

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def list_images(folder):
    """The image files directly inside `folder` (by extension, any case), sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder not found: {folder}")
    images = [path for path in folder.iterdir() if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS]
    return sorted(images, key=lambda path: path.name)


def check_features_path(features_path):
    """Raise ValueError unless features_path ends in .npy (its image list goes beside it, in a .txt)."""
    if Path(features_path).suffix != ".npy":
        raise InputError(
            f"the features file must end in .npy, got {features_path} "
            "(its image names go beside it, in a .txt)"
        )


def file_list_path(features_path):
    """Where the names of the images behind a features file are listed: features.npy -> features.txt."""
    return Path(features_path).with_suffix(".txt")


def write_file_list(features_path, image_paths):
    """Write the image file names, one a line, in the row order of the features file."""
    check_features_path(features_path)
    write_text(file_list_path(features_path), "".join(f"{Path(path).name}\n" for path in image_paths))


def to_model_device(model, x):
    """Host array x on the device (NumPy or CuPy) of the model's parameters."""
    return to_device(x, like=next(iter(model.params.values()), None))


def _feature_batches(encode, paths, batch_size, progress):
    """Yields host arrays (B, ...) of features for consecutive batches of `paths`."""
    with tqdm(total=len(paths), disable=not progress, unit="image", desc="features") as bar:
        for start in range(0, len(paths), batch_size):
            batch_paths = paths[start : start + batch_size]
            yield to_host(encode(batch_paths))
            bar.update(len(batch_paths))


def _fill(features, batches):
    """Copies consecutive batches (B, D) into the rows of features (N, D); returns features."""
    start = 0
    for batch in batches:
        features[start : start + len(batch)] = batch
        start += len(batch)
    return features


def extract_features(
    model, image_paths, batch_size=16, progress=True, out=None, resize_size=RESIZE_SIZE, crop_size=CROP_SIZE,
    encode=None,
):
    """Run every image through `model.features`, in batches.

    model: has `params` (a dict of arrays, to find its device) and
        `features(x: (B, 3, crop_size, crop_size)) -> (B, D)`, D = 2048 for ResNet50.
    image_paths: N image files, N >= 1. progress: show a tqdm bar on stderr.
    out: optional path ending in `.npy` (checked before any work); the features are
        written there (atomically) and returned memory-mapped, read-only.
    encode: instead of model, image paths (B of them) -> their features (B, ...), for a
        caller that reads pictures its own way.
    Returns features: (N, D) (or (N, ...) as encode gives) host array in the model's dtype
    (float32 for a float32 model), row i for image_paths[i].
    """
    if out is not None:
        check_features_path(out)
    paths = list(image_paths)
    if not paths:
        raise InputError("image_paths is empty: no images to extract features from")
    if not isinstance(batch_size, (int, numpy.integer)) or batch_size < 1:
        raise InputError(f"batch_size must be a positive int, got {batch_size!r}")
    if encode is None:
        def encode(batch_paths):
            return model.features(to_model_device(model, load_images(batch_paths, resize_size, crop_size)))
    batches = _feature_batches(encode, paths, batch_size, progress)
    first = next(batches)
    shape, dtype = (len(paths), *first.shape[1:]), first.dtype
    remaining = itertools.chain([first], batches)
    if out is None:
        return _fill(numpy.empty(shape, dtype), remaining)
    with writing_npy(out, shape, dtype) as features:
        _fill(features, remaining)
    return open_npy(out)
