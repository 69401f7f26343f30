"""The real-data path: cached ResNet50 features of a folder of images, matched with their captions.

    python -m captioner extract-features Images/ --weights resnet50-0676ba61.pth --out features.npy
        -> features.npy (N, 2048) float32 and features.txt (the N image names, row order)
    python -m captioner train --captions captions.txt --features features.npy --out runs/flickr8k

Splits come from a Karpathy .json caption file, from the Flickr8k split lists (--splits DIR),
or, for caption files without splits, from a fixed shuffle of the images (--val-images/--test-images).
No image is in two splits: the split files are checked (flickr_captions.check_disjoint_splits), and
the shuffle draws from the feature table's names, in which no image may appear twice. Features that
are NaN or infinite are refused when the table is read, naming the image.
"""

from pathlib import Path

import numpy

from captioner.data import CaptionData
from captioner.flickr_captions import load_captions, load_flickr8k_splits, load_karpathy
from numerics.files import open_npy
from numerics.validation import InputError
from resnet.features import file_list_path


def load_feature_table(features_path):
    """Cached features and the image names of their rows.

    Returns (features (N, F), or (N, L, F) for a grid of cells, float32, memory-mapped; names: N
    str). Raises FileNotFoundError or ValueError naming the file when either part is missing or
    they disagree.
    """
    features_path = Path(features_path)
    names_path = file_list_path(features_path)
    for path in (features_path, names_path):
        if not path.is_file():
            raise FileNotFoundError(f"features file not found: {path} (made by 'extract-features')")
    features = open_npy(features_path)
    names = [line.strip() for line in names_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if features.ndim not in (2, 3) or features.shape[0] != len(names):
        raise InputError(
            f"{features_path} has shape {features.shape} but {names_path} lists {len(names)} images"
        )
    return features, names


def check_feature_rows(features, names, features_path, chunk=256):
    """Refuse a feature table that names an image twice or holds NaN or infinite values.

    features: (N, ...) float (memory-mapped, read `chunk` rows at a time); names: N image names.
    Raises ValueError naming the file, the image and its row.
    """
    row_of = {}
    for row, name in enumerate(names):
        if name in row_of:
            raise InputError(f"{file_list_path(features_path)} names image {name} twice (rows {row_of[name]} "
                             f"and {row}): which row holds its features?")
        row_of[name] = row
    for start in range(0, len(names), chunk):
        rows = numpy.asarray(features[start : start + chunk])
        finite = numpy.isfinite(rows.reshape(len(rows), -1)).all(axis=1)
        if not finite.all():
            row = start + int(numpy.argmin(finite))
            raise InputError(f"{features_path}, row {row} (image {names[row]}): the features hold NaN or "
                             f"infinite values; extract them again")


def load_splits(captions_path, splits_dir=None, names=(), val_images=500, test_images=500, seed=0):
    """{"train", "val", "test"}: lists of image names, from the best source available.

    names: the images that have features and captions (distinct), for the shuffle;
    val_images, test_images: how many of them the shuffle gives validation and test (ints >= 0).
    """
    for argument, value in (("val_images", val_images), ("test_images", test_images)):
        if not isinstance(value, int) or value < 0:
            raise InputError(f"{argument} must be an int >= 0, got {value!r}")
    if Path(captions_path).suffix.lower() == ".json":
        return load_karpathy(captions_path)[1]
    if splits_dir is not None:
        return load_flickr8k_splits(splits_dir)
    shuffled = [names[k] for k in numpy.random.default_rng(seed).permutation(len(names))]
    if len(shuffled) <= val_images + test_images:
        raise InputError(f"{len(shuffled)} images cannot give {val_images} validation and "
                         f"{test_images} test images and still leave some to train on")
    return {"test": shuffled[:test_images], "val": shuffled[test_images : test_images + val_images],
            "train": shuffled[test_images + val_images :]}


def flickr_splits(captions_path, features_path, splits_dir=None, val_images=500, test_images=500, seed=0):
    """CaptionData for train, val and test, each image's input its cached feature row.

    Images of a split must have both captions and features; the first one that lacks either is named.
    """
    captions = load_captions(captions_path)
    features, names = load_feature_table(features_path)
    check_feature_rows(features, names, features_path)
    row = {name: index for index, name in enumerate(names)}
    splits = load_splits(captions_path, splits_dir, [n for n in names if n in captions],
                         val_images, test_images, seed)
    data = {}
    for split, images in splits.items():
        for image in images:
            if image not in row:
                raise InputError(f"image {image} of the {split} split has no row in {features_path}")
            if image not in captions:
                raise InputError(f"image {image} of the {split} split has no caption in {captions_path}")
        rows = numpy.asarray([row[image] for image in images], dtype=numpy.int64)
        data[split] = CaptionData.from_raw_captions(FeatureRows(features, rows), captions, images)
    return data, captions


class FeatureRows:
    """A view of chosen rows of a (memory-mapped) feature table, read only when indexed."""

    def __init__(self, table, rows):
        self.table, self.rows = table, rows
        self.ndim = table.ndim

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, indices):
        return numpy.asarray(self.table[self.rows[indices]])
