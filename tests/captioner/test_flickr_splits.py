"""The cached feature table of the real-data path: a one-line error for a file that cannot be used."""

import numpy as np
import pytest

from captioner.flickr_splits import load_feature_table
from numerics.files import FileFormatError


def test_the_feature_table_is_memory_mapped_with_its_names(tmp_path):
    np.save(tmp_path / "features.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
    (tmp_path / "features.txt").write_text("a.jpg\nb.jpg\n")
    features, names = load_feature_table(tmp_path / "features.npy")
    assert isinstance(features, np.memmap) and names == ["a.jpg", "b.jpg"]
    np.testing.assert_array_equal(features[1], [3, 4, 5])


def test_an_empty_features_file_is_one_line_naming_it(tmp_path):
    (tmp_path / "features.npy").write_bytes(b"")
    (tmp_path / "features.txt").write_text("a.jpg\n")
    with pytest.raises(FileFormatError) as raised:
        load_feature_table(tmp_path / "features.npy")
    assert str(raised.value) == f"{tmp_path / 'features.npy'} is empty (0 bytes), not a .npy file"


def test_a_features_file_overwritten_by_text_is_named(tmp_path):
    (tmp_path / "features.npy").write_text("a.jpg\nb.jpg\n")
    (tmp_path / "features.txt").write_text("a.jpg\nb.jpg\n")
    with pytest.raises(FileFormatError, match=r"features\.npy: not a readable \.npy file"):
        load_feature_table(tmp_path / "features.npy")
