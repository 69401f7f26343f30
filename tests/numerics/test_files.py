"""The one file module: atomic writes, the project's .npz (no pickle, JSON metadata), .npy memory maps."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from numerics import files
from numerics.files import (
    MAX_EXPANSION,
    METADATA_KEY,
    FileFormatError,
    atomic_output,
    load_npz,
    open_npy,
    remove_stale_partials,
    save_npz,
    write_text,
    writing_npy,
)

REPOSITORY = Path(__file__).resolve().parents[2]
DEAD_PID = 2**30  # above any Linux pid_max: no such process


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


def test_the_temporary_file_is_recognisable(tmp_path):
    with atomic_output(tmp_path / "w.npz") as temporary:
        assert temporary.parent == tmp_path
        # the destination's suffix last: Pillow and matplotlib choose the format by it
        assert temporary.name.startswith(f".w.npz.{os.getpid()}-") and temporary.name.endswith(".partial.npz")
        temporary.write_bytes(b"x")


def test_a_killed_write_is_cleaned_up_by_the_next_one(tmp_path):
    path = tmp_path / "checkpoint.npz"
    save_npz(path, small_state(), {"version": 1})
    killed = (  # dies inside the write, as a killed process does: no cleanup runs
        "import os, sys\n"
        "from numerics.files import atomic_output\n"
        "with atomic_output(sys.argv[1]) as temporary:\n"
        "    temporary.write_bytes(bytes(10000))\n"
        "    os._exit(9)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    finished = subprocess.run([sys.executable, "-c", killed, str(path)], env=environment, check=False)
    assert finished.returncode == 9
    left = [name for name in names_in(tmp_path) if name != "checkpoint.npz"]
    assert len(left) == 1 and left[0].startswith(".checkpoint.npz.") and left[0].endswith(".partial.npz")
    assert load_npz(path)[1] == {"version": 1}  # the killed write did not touch the file
    save_npz(path, small_state(), {"version": 2})
    assert names_in(tmp_path) == ["checkpoint.npz"]
    assert load_npz(path)[1] == {"version": 2}


def test_only_stale_partials_of_the_same_file_are_removed(tmp_path):
    stale = f".w.npz.{DEAD_PID}-0123456789ab.partial.npz"
    impossible_pid = f".w.npz.{10**20}-0123456789ab.partial.npz"
    running = f".w.npz.{os.getppid()}-0123456789ab.partial.npz"  # a write still in progress elsewhere
    other_file = f".v.npz.{DEAD_PID}-0123456789ab.partial.npz"
    for name in (stale, impossible_pid, running, other_file, "w.npz.partial", ".w.npz.notes"):
        (tmp_path / name).write_bytes(b"x")
    assert sorted(remove_stale_partials(tmp_path / "w.npz")) == sorted([stale, impossible_pid])
    assert names_in(tmp_path) == sorted([running, other_file, "w.npz.partial", ".w.npz.notes"])


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
    with pytest.raises(FileFormatError, match=r"pickled\.npz: member 'w\.npy' holds Python objects"):
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


def npz_with_member(path, member_bytes, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("w.npy", member_bytes)
    return path


def npy_header(shape, descr="<f8"):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
    return header.getvalue()


def refused_in_one_line(path, match):
    with pytest.raises(FileFormatError, match=match) as raised:
        load_npz(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_a_member_whose_header_claims_more_than_it_holds_is_refused(tmp_path):
    # 8 bytes of data under a header for 10**12 float64 (8 TB): nothing is allocated.
    path = npz_with_member(tmp_path / "crafted.npz", npy_header((10**12,)) + bytes(8))
    refused_in_one_line(path, r"member 'w.npy' holds 8 bytes of data, but its header describes shape "
                              r"\(1000000000000,\) of float64")


def test_a_member_with_a_negative_extent_is_refused(tmp_path):
    path = npz_with_member(tmp_path / "crafted.npz", npy_header((-1, -2)) + bytes(16))
    refused_in_one_line(path, r"header describes shape \(-1, -2\)")


def test_a_compressed_member_larger_than_the_file_allows_is_refused(tmp_path):
    zeros = io.BytesIO()
    np.save(zeros, np.zeros(2**22))  # 32 MiB, deflated to some 32 KB
    path = npz_with_member(tmp_path / "bomb.npz", zeros.getvalue(), zipfile.ZIP_DEFLATED)
    assert MAX_EXPANSION * path.stat().st_size < 2**25
    refused_in_one_line(path, r"member 'w.npy' would take 33,554,560 bytes, more than a [\d,]+-byte file")


def test_a_modestly_compressed_npz_still_loads(tmp_path):
    path = tmp_path / "compressed.npz"
    values = np.random.default_rng(0).standard_normal((50, 40))
    np.savez_compressed(path, w=values)
    np.testing.assert_array_equal(load_npz(path)[0]["w"], values)


def test_fortran_order_and_byte_order_survive(tmp_path):
    path = tmp_path / "orders.npz"
    fortran = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    big_endian = np.arange(5, dtype=">i4")
    np.savez(path, fortran=fortran, big_endian=big_endian, scalar=np.float32(2.5))
    loaded = load_npz(path)[0]
    np.testing.assert_array_equal(loaded["fortran"], fortran)
    np.testing.assert_array_equal(loaded["big_endian"], big_endian)
    assert loaded["scalar"].shape == () and loaded["scalar"] == np.float32(2.5)


def test_deeply_nested_metadata_is_refused_in_one_line(tmp_path):
    path = tmp_path / "deep.npz"
    np.savez(path, **{METADATA_KEY: np.array("[" * 100_000 + "]" * 100_000)})
    refused_in_one_line(path, f"the {METADATA_KEY} entry is not valid JSON")


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
