"""Feature extraction over a folder: file order, batching, the .npy output, the progress bar.

A stand-in model whose features are the mean colour of each input makes every row
traceable to its image, so these tests check the plumbing independently of ResNet.
"""

import numpy as np
import pytest
from PIL import Image

from numerics import array_module
from resnet.features import extract_features, file_list_path, list_images, write_file_list

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
SIZES = {"resize_size": 20, "crop_size": 16}


class MeanColourModel:
    """features(x: (B, 3, S, S)) -> (B, 3): each image's mean of each channel."""

    def __init__(self, xp):
        self.params = {"weight": xp.zeros(1, dtype=xp.float32)}
        self.batch_sizes = []

    def features(self, x):
        assert array_module(x) is array_module(self.params["weight"]), "input not on the model's device"
        self.batch_sizes.append(len(x))
        return x.mean(axis=(2, 3))


def expected_features(colours):
    """The normalised constant colours, worked out from ImageNet's mean and std."""
    return ((np.array(colours) / 255 - MEAN) / STD).astype(np.float32)


@pytest.fixture
def folder(tmp_path):
    """Five flat-coloured images with mixed-case extensions, plus files that are not images."""
    images = tmp_path / "images"
    images.mkdir()
    named_colours = {
        "b.PNG": (10, 200, 30),
        "a.jpeg": (200, 10, 30),  # JPEG keeps flat colours to within one level
        "e.bmp": (30, 30, 200),
        "c.webp": (120, 120, 120),
        "d.JPG": (250, 250, 5),
    }
    for name, colour in named_colours.items():
        Image.new("RGB", (24, 20), colour).save(images / name, lossless=True)
    (images / "notes.txt").write_text("not an image")
    (images / "nested.png").mkdir()
    return images, named_colours


def test_list_images_is_sorted_and_skips_other_files(folder):
    images, named_colours = folder
    assert [path.name for path in list_images(images)] == sorted(named_colours)


def test_list_images_of_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        list_images(tmp_path / "nowhere")


def test_features_follow_the_file_order_in_batches(xp, folder):
    images, named_colours = folder
    model = MeanColourModel(xp)
    paths = list_images(images)
    features = extract_features(model, paths, batch_size=2, progress=False, **SIZES)
    assert isinstance(features, np.ndarray)
    assert features.shape == (5, 3)
    assert features.dtype == np.float32
    assert model.batch_sizes == [2, 2, 1]
    colours = [named_colours[path.name] for path in paths]
    np.testing.assert_allclose(features, expected_features(colours), atol=1.5 / 255 / STD.min())


def test_features_written_to_a_memory_mappable_npy(xp, folder, tmp_path):
    images, named_colours = folder
    paths = list_images(images)
    out = tmp_path / "features.npy"
    returned = extract_features(MeanColourModel(xp), paths, batch_size=3, progress=False, out=out, **SIZES)
    mapped = np.load(out, mmap_mode="r")
    assert isinstance(mapped, np.memmap)
    assert mapped.shape == (5, 3)
    assert mapped.dtype == np.float32
    np.testing.assert_array_equal(mapped, returned)
    in_memory = extract_features(MeanColourModel(xp), paths, batch_size=5, progress=False, **SIZES)
    np.testing.assert_array_equal(mapped, in_memory)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["features.npy", "images"]


def test_a_bad_image_midway_leaves_no_features_file(xp, folder, tmp_path):
    images, _ = folder
    paths = list_images(images) + [images / "notes.txt"]
    out = tmp_path / "features.npy"
    with pytest.raises(ValueError, match="notes.txt"):
        extract_features(MeanColourModel(xp), paths, batch_size=2, progress=False, out=out, **SIZES)
    assert not out.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["images"]


@pytest.mark.parametrize("progress", [True, False])
def test_progress_bar_only_when_asked(xp, folder, capsys, progress):
    images, _ = folder
    extract_features(MeanColourModel(xp), list_images(images), batch_size=4, progress=progress, **SIZES)
    printed = capsys.readouterr()
    assert printed.out == ""
    assert ("5/5" in printed.err) == progress


def test_no_images_is_refused():
    with pytest.raises(ValueError, match="empty"):
        extract_features(MeanColourModel(np), [], progress=False)


@pytest.mark.parametrize("batch_size", [0, -1, 1.5])
def test_bad_batch_size_is_refused(folder, batch_size):
    images, _ = folder
    with pytest.raises(ValueError, match="batch_size"):
        extract_features(MeanColourModel(np), list_images(images), batch_size=batch_size, progress=False)


def test_file_list_beside_the_features(folder, tmp_path):
    images, named_colours = folder
    out = tmp_path / "features.npy"
    write_file_list(out, list_images(images))
    assert file_list_path(out) == tmp_path / "features.txt"
    assert file_list_path(out).read_text().splitlines() == sorted(named_colours)


@pytest.mark.parametrize("out", ["features.txt", "features", "features.npz"])
def test_a_features_path_not_ending_in_npy_is_refused_before_any_work(xp, folder, tmp_path, out):
    # features.txt would be overwritten by the list of image names that goes beside the features.
    images, _ = folder
    model = MeanColourModel(xp)
    with pytest.raises(ValueError, match=f"the features file must end in .npy, got .*{out} "):
        extract_features(model, list_images(images), progress=False, out=tmp_path / out, **SIZES)
    assert model.batch_sizes == []
    with pytest.raises(ValueError, match="must end in .npy"):
        write_file_list(tmp_path / out, list_images(images))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["images"]


def test_a_missing_output_folder_names_the_features_file(xp, folder, tmp_path):
    images, _ = folder
    out = tmp_path / "missing" / "features.npy"
    with pytest.raises(FileNotFoundError) as raised:
        extract_features(MeanColourModel(xp), list_images(images), progress=False, out=out, **SIZES)
    assert str(raised.value) == f"cannot write {out}: the folder {out.parent} does not exist"
