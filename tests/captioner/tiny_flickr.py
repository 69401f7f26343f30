"""A tiny data set laid out like Kaggle's Flickr8k, with cached features, for tests that run the CLI.

The features are random rather than extracted by ResNet50 (which takes a while): what these tests
check is the command line, the files and training's bookkeeping, not what the model learns.
"""

import numpy as np

from captioner.synthetic import make_split, save_split_as_kaggle_flickr8k
from resnet.features import write_file_list

FEATURE_SIZE = 16


def write_tiny_flickr(folder, count=24, seed=0):
    """folder/captions.txt (Kaggle Flickr8k), folder/Images/, folder/features.npy (count, 16) and
    folder/features.txt. Returns the SyntheticSplit."""
    split = make_split("train", count, image_size=32, seed=seed)
    save_split_as_kaggle_flickr8k(split, folder)
    features = np.random.default_rng(seed).normal(size=(count, FEATURE_SIZE)).astype(np.float32)
    np.save(folder / "features.npy", features)
    write_file_list(folder / "features.npy", split.image_names)
    return split


def data_arguments(folder, val_images=2, test_images=2):
    """The data arguments of train and evaluate for a folder made by write_tiny_flickr."""
    return ["--captions", folder / "captions.txt", "--features", folder / "features.npy",
            "--val-images", val_images, "--test-images", test_images]


# A model and a run small enough to train in a second.
SMALL_RUN = ["--epochs", 2, "--batch-size", 16, "--min-count", 1, "--embedding", 8, "--hidden", 16,
             "--max-length", 12, "--quiet"]
