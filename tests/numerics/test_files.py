"""The one file module: atomic writes, the project's .npz (no pickle, JSON metadata), .npy memory maps."""

import os

import numpy as np
import pytest

from numerics import files
from numerics.files import (
    METADATA_KEY,
    FileFormatError,
    atomic_output,
    load_npz,
    open_npy,
    save_npz,
    write_text,
    writing_npy,
)


def small_state():
    rng = np.random.default_rng(0)
    return {
        "conv1.weight": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
        "bn1.running_var": rng.random(4),
        "bn1.num_batches_tracked": np.array(5, dtype=np.int64),
    }


def names_in(folder):
    return sorted(path.name for path in folder.iterdir())


# --- atomic writes --------------------------------------------------------------------------


def test_atomic_write_replaces_the_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "notes.txt"
    write_text(path, "old\n")
    write_text(path, "new ünïcode\n")
    assert path.read_text(encoding="utf-8") == "new ünïcode\n"
    assert names_in(tmp_path) == ["notes.txt"]


def test_a_write_failing_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "notes.txt"
    write_text(path, "old\n")
    with pytest.raises(RuntimeError, match="disk on fire"), atomic_output(path) as temporary:
        temporary.write_text("half of the new")
        raise RuntimeError("disk on fire")
    assert path.read_text() == "old\n"
    assert names_in(tmp_path) == ["notes.txt"]


def test_data_reach_the_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(files.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    write_text(tmp_path / "notes.txt", "text")
    assert events == ["fsync", "replace", "fsync"]  # the file, the rename, the folder's entry


def test_a_missing_folder_is_named_not_the_temporary_file(tmp_path):
    path = tmp_path / "no such folder" / "w.npz"
    with pytest.raises(FileNotFoundError) as raised:
        save_npz(path, small_state())
    message = str(raised.value)
    assert message == f"cannot write {path}: the folder {path.parent} does not exist"
    assert ".tmp" not in message


def test_any_error_about_the_temporary_file_names_the_target(tmp_path):
    path = tmp_path / "w.npz"
    with pytest.raises(FileNotFoundError) as raised, atomic_output(path) as temporary:
        temporary.read_bytes()  # never written: the OSError is about the temporary name
    assert raised.value.filename == str(path)
    assert str(raised.value) == f"[Errno 2] No such file or directory: '{path}'"
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_target_is_named_not_the_temporary_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as raised:
            save_npz(folder / "w.npz", small_state())
        assert raised.value.filename == str(folder / "w.npz")
    finally:
        folder.chmod(0o700)


# --- .npz ---------------------------------------------------------------------------------


def test_npz_round_trip_keeps_values_dtypes_and_metadata(tmp_path):
    state = small_state()
    metadata = {"architecture": "resnet50", "classes": 1000, "note": "ünïcode"}
    save_npz(tmp_path / "w.npz", state, metadata)
    loaded, loaded_metadata = load_npz(tmp_path / "w.npz")
    assert loaded_metadata == metadata
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)


def test_npz_without_metadata_loads_none(tmp_path):
    save_npz(tmp_path / "w.npz", small_state())
    loaded, metadata = load_npz(tmp_path / "w.npz")
    assert metadata is None
    np.testing.assert_array_equal(loaded["conv1.weight"], small_state()["conv1.weight"])


def test_npz_is_readable_without_pickle(tmp_path):
    save_npz(tmp_path / "w.npz", small_state(), {"a": 1})
    with np.load(tmp_path / "w.npz", allow_pickle=False) as archive:
        assert set(archive.files) == {*small_state(), METADATA_KEY}


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    path = tmp_path / "w.npz"
    save_npz(path, small_state(), {"version": 1})
    broken = {**small_state(), "zzz.not_an_array": np.array([object()])}
    with pytest.raises(ValueError, match="allow_pickle"):
        save_npz(path, broken, {"version": 2})
    assert load_npz(path)[1] == {"version": 1}
    assert names_in(tmp_path) == ["w.npz"]


def test_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        save_npz(tmp_path / "w.npz", {"bad": np.array([object()])})
    assert list(tmp_path.iterdir()) == []


def test_state_may_not_use_the_metadata_key(tmp_path):
    with pytest.raises(ValueError, match=METADATA_KEY):
        save_npz(tmp_path / "w.npz", {METADATA_KEY: np.zeros(1)})


def test_an_array_that_needs_pickle_is_refused_on_load(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, w=np.array([object()]))  # numpy's own savez pickles object arrays
    with pytest.raises(FileFormatError, match=r"pickled\.npz: not a readable \.npz file .*allow_pickle"):
        load_npz(path)


@pytest.mark.parametrize("content", [b"", b"plain text", b"PK\x03\x04 truncated zip"])
def test_a_file_that_is_not_an_npz_is_named(tmp_path, content):
    path = tmp_path / "mystery.npz"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match="mystery.npz") as raised:
        load_npz(path)
    assert "\n" not in str(raised.value)


def test_bad_metadata_is_named(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **{METADATA_KEY: np.array("{not json")})
    with pytest.raises(FileFormatError, match=f"w.npz: the {METADATA_KEY} entry is not valid JSON"):
        load_npz(path)


def test_missing_npz_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="file not found: .*nowhere.npz"):
        load_npz(tmp_path / "nowhere.npz")


# --- .npy memory maps -----------------------------------------------------------------------


def test_npy_written_through_a_map_and_opened_read_only(tmp_path):
    path = tmp_path / "features.npy"
    with writing_npy(path, (3, 2), np.float32) as features:
        features[:2] = [[1, 2], [3, 4]]
        features[2:] = [[5, 6]]
    opened = open_npy(path)
    assert isinstance(opened, np.memmap)
    assert opened.dtype == np.float32
    np.testing.assert_array_equal(opened, [[1, 2], [3, 4], [5, 6]])
    with pytest.raises(ValueError, match="read-only"):
        opened[0, 0] = 0
    assert names_in(tmp_path) == ["features.npy"]


def test_an_npy_failing_midway_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), writing_npy(tmp_path / "features.npy", (3, 2), np.float32):
        raise RuntimeError("a bad image")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_npy_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "features.npy"
    path.write_bytes(b"")
    with pytest.raises(FileFormatError) as raised:
        open_npy(path)
    assert str(raised.value) == f"{path} is empty (0 bytes), not a .npy file"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda whole: whole[:200], "mmap length is greater than file size"),
        (lambda whole: b"image,caption\nsome text", "magic string is not correct"),
    ],
    ids=["truncated", "text"],
)
def test_a_damaged_npy_is_one_line_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "features.npy"
    np.save(path, np.zeros((10, 10), dtype=np.float32))
    path.write_bytes(content(path.read_bytes()))
    with pytest.raises(FileFormatError, match=f"features.npy: not a readable .npy file .*{reason}") as raised:
        open_npy(path)
    assert "\n" not in str(raised.value)


def test_an_npy_needing_pickle_is_refused(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([object()]), allow_pickle=True)
    with pytest.raises(FileFormatError, match="objects.npy"):
        open_npy(path)


def test_a_missing_npy_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.npy"):
        open_npy(tmp_path / "nowhere.npy")
