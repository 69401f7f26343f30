"""The torch-free `.pth` reader, the refusal of hostile pickles, and load_weights for both formats."""

import io
import os
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from numerics.files import FileFormatError, load_npz, save_npz
from resnet.weights import ForbiddenGlobalError, WeightsFileError, load_weights, read_pth

FIXTURES = Path(__file__).with_name("fixtures")
TINY_PTH = FIXTURES / "tiny_state_dict.pth"


def expected_tiny_state():
    """The formulas of fixtures/make_tiny_state_dict.py, recomputed with NumPy."""
    shared = np.arange(10, dtype=np.float32) * np.float32(0.5)
    return {
        "conv1.weight": ((np.arange(108, dtype=np.float32) - 54) / 8).reshape(4, 3, 3, 3),
        "transposed": np.arange(12, dtype=np.float32).reshape(3, 4).T,
        "shared.head": shared[:4],
        "shared.tail": shared[4:].reshape(2, 3),
        "expanded": np.broadcast_to(np.arange(3, dtype=np.float32), (2, 3)),
        "bn1.num_batches_tracked": np.array(2**40 + 3, dtype=np.int64),
        "double": np.arange(6, dtype=np.float64).reshape(2, 3) / 3,
        "half": np.arange(5, dtype=np.float16) * np.float16(0.25),
    }


def zip_like_pth(path, pickle_bytes, storages=None, prefix="archive"):
    """A zip laid out as torch.save lays one out: <prefix>/data.pkl, data/<key>, byteorder."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{prefix}/data.pkl", pickle_bytes)
        archive.writestr(f"{prefix}/byteorder", "little")
        for key, raw in (storages or {}).items():
            archive.writestr(f"{prefix}/data/{key}", raw)
    return path


def one_tensor_pickle(size, stride, offset, numel, storage_type=b"FloatStorage"):
    """Protocol-0 opcodes for OrderedDict(w=_rebuild_tensor_v2(storage "0", offset, size, stride, ...))."""

    def int_tuple(values):
        return b"(" + b"".join(b"I%d\n" % value for value in values) + b"t"

    empty_ordered_dict = b"ccollections\nOrderedDict\n)R"
    storage_reference = b"(Vstorage\nctorch\n" + storage_type + b"\nV0\nVcpu\nI%d\ntQ" % numel
    arguments = b"(" + storage_reference + b"I%d\n" % offset + int_tuple(size) + int_tuple(stride)
    arguments += b"I00\n" + empty_ordered_dict + b"t"
    rebuilt = b"ctorch._utils\n_rebuild_tensor_v2\n" + arguments + b"R"
    return empty_ordered_dict + b"(Vw\n" + rebuilt + b"u."


# --- the .pth fixture made by torch.save ---------------------------------------------------


def test_fixture_shares_a_storage_between_two_tensors():
    with zipfile.ZipFile(TINY_PTH) as archive:
        storages = [name for name in archive.namelist() if "/data/" in name]
    assert len(storages) == len(expected_tiny_state()) - 1


def test_read_pth_rebuilds_every_tensor_of_the_fixture():
    state = read_pth(TINY_PTH)
    expected = expected_tiny_state()
    assert list(state) == list(expected)
    for name, want in expected.items():
        assert state[name].dtype == want.dtype, name
        assert state[name].shape == want.shape, name
        np.testing.assert_array_equal(state[name], want, err_msg=name)


def test_read_pth_returns_independent_writable_contiguous_arrays():
    state = read_pth(TINY_PTH)
    state["shared.head"][0] = 100.0
    assert state["shared.tail"][0, 0] == 2.0  # not a view of the head's storage
    assert all(array.flags.c_contiguous and array.flags.writeable for array in state.values())


def test_load_weights_dispatches_a_pth_to_the_torch_reader():
    np.testing.assert_array_equal(load_weights(TINY_PTH)["transposed"], expected_tiny_state()["transposed"])


@pytest.mark.parametrize("prefix", ["archive", "resnet50-0676ba61"])
def test_read_pth_accepts_any_top_folder(tmp_path, prefix):
    storage = np.arange(6, dtype="<f4")
    path = zip_like_pth(
        tmp_path / "w.pth", one_tensor_pickle((2, 3), (3, 1), 0, 6), {"0": storage.tobytes()}, prefix
    )
    np.testing.assert_array_equal(read_pth(path)["w"], storage.reshape(2, 3))


def test_read_pth_honours_a_big_endian_byte_order_record(tmp_path):
    storage = np.arange(4, dtype=">f4")
    path = tmp_path / "big.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", one_tensor_pickle((4,), (1,), 0, 4))
        archive.writestr("archive/byteorder", "big")
        archive.writestr("archive/data/0", storage.tobytes())
    state = read_pth(path)
    assert state["w"].dtype == np.float32
    np.testing.assert_array_equal(state["w"], [0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("size", "stride", "offset"),
    [((2, 3), (3, 1), 1), ((4,), (2,), 0), ((7,), (1,), 0)],
    ids=["offset-past-end", "stride-past-end", "size-past-end"],
)
def test_read_pth_refuses_a_tensor_reaching_outside_its_storage(tmp_path, size, stride, offset):
    raw = np.zeros(6, dtype="<f4").tobytes()
    path = zip_like_pth(tmp_path / "w.pth", one_tensor_pickle(size, stride, offset, 6), {"0": raw})
    with pytest.raises(WeightsFileError, match="reaches element"):
        read_pth(path)


def test_read_pth_refuses_a_storage_shorter_than_declared(tmp_path):
    path = zip_like_pth(tmp_path / "w.pth", one_tensor_pickle((8,), (1,), 0, 8), {"0": b"\0" * 12})
    with pytest.raises(WeightsFileError, match="holds 12 bytes"):
        read_pth(path)


def test_read_pth_names_an_unsupported_storage_type(tmp_path):
    raw = np.zeros(2, dtype="<u2").tobytes()
    path = zip_like_pth(
        tmp_path / "w.pth", one_tensor_pickle((2,), (1,), 0, 2, b"BFloat16Storage"), {"0": raw}
    )
    with pytest.raises(WeightsFileError, match="BFloat16Storage"):
        read_pth(path)


# --- small files that ask for a lot of memory -------------------------------------------------


def refused_in_one_line(path, match):
    with pytest.raises(WeightsFileError, match=match) as raised:
        read_pth(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_a_huge_tensor_repeating_one_value_by_stride_0_is_refused(tmp_path):
    # A few hundred bytes asking for 4 GB: one float repeated 10**9 times (torch's expand).
    path = zip_like_pth(tmp_path / "w.pth", one_tensor_pickle((10**9,), (0,), 0, 1), {"0": b"\0" * 4})
    assert path.stat().st_size < 1000
    refused_in_one_line(path, r"a tensor of size \(1000000000,\) on storage '0' would take 4,000,000,000")


def test_a_small_expanded_tensor_still_loads(tmp_path):
    path = zip_like_pth(tmp_path / "w.pth", one_tensor_pickle((4, 3), (0, 1), 0, 3),
                        {"0": np.arange(3, dtype="<f4").tobytes()})
    np.testing.assert_array_equal(read_pth(path)["w"], np.tile(np.arange(3, dtype=np.float32), (4, 1)))


def test_a_compressed_storage_larger_than_the_file_allows_is_refused(tmp_path):
    numel = 2**23  # 32 MiB of zeros, deflated to some 32 KB
    path = tmp_path / "w.pth"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", one_tensor_pickle((numel,), (1,), 0, numel))
        archive.writestr("archive/data/0", bytes(4 * numel))
    assert path.stat().st_size < 100_000
    refused_in_one_line(path, r"record 'archive/data/0' would take 33,554,432 bytes, more than a [\d,]+-byte")


@pytest.mark.parametrize(
    ("size", "stride", "offset", "match"),
    [
        ((2**70,), (1,), 0, "would take"),
        ((0, 2**70), (1, 1), 0, "would take"),
        ((2,), (2**80,), 0, "reaches element"),
        ((1,), (1,), 2**80, "reaches element"),
        ((2**40, 2**40), (0, 0), 0, "would take"),
    ],
    ids=["size", "empty-but-huge", "stride", "offset", "product"],
)
def test_extreme_geometry_is_refused_without_overflow(tmp_path, size, stride, offset, match):
    path = zip_like_pth(tmp_path / "w.pth", one_tensor_pickle(size, stride, offset, 2), {"0": b"\0" * 8})
    refused_in_one_line(path, match)


def test_a_huge_stride_along_an_axis_of_one_is_harmless(tmp_path):
    path = zip_like_pth(tmp_path / "w.pth", one_tensor_pickle((1, 2), (2**80, 1), 0, 2),
                        {"0": np.array([5.0, 6.0], dtype="<f4").tobytes()})
    np.testing.assert_array_equal(read_pth(path)["w"], [[5.0, 6.0]])


@pytest.mark.parametrize(
    ("pickled", "match"),
    [
        (b"\x80\x05\x96" + (2**40).to_bytes(8, "little") + b"abc.", "expected 1099511627776 bytes"),
        (b"\x80\x04\x8e" + (2**40).to_bytes(8, "little") + b"abc.", "expected 1099511627776 bytes"),
        (b"\x80\x02}r\xff\xff\xff\xff.", "memo index 4294967295 in a pickle of 9 bytes"),
    ],
    ids=["bytearray8", "binbytes8", "memo-index"],
)
def test_a_pickle_declaring_more_than_it_holds_is_refused_before_unpickling(tmp_path, pickled, match):
    refused_in_one_line(zip_like_pth(tmp_path / "w.pth", pickled), rf"damaged data.pkl \(.*{match}")


# --- hostile pickles ------------------------------------------------------------------------


class RunsShellCommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class EvaluatesCode:
    def __init__(self, source):
        self.source = source

    def __reduce__(self):
        return (eval, (self.source,))


def hostile_pickles(marker):
    """Pickles that would create `marker` if any of their callables ran."""
    touch = f"touch {marker}"
    write_file = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        "os.system": pickle.dumps(OrderedDict(w=RunsShellCommand(touch)), protocol=2),
        "builtins.eval": pickle.dumps({"w": EvaluatesCode(write_file)}, protocol=4),
        "inst-opcode": b"(V" + touch.encode() + b"\nios\nsystem\n.",
    }


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "inst-opcode"])
def test_hostile_pickle_is_refused_and_runs_nothing(tmp_path, kind):
    marker = tmp_path / "marker"
    path = zip_like_pth(tmp_path / "evil.pth", hostile_pickles(marker)[kind])
    with pytest.raises(ForbiddenGlobalError) as raised:
        load_weights(path)
    assert str(path) in str(raised.value)
    assert "system" in str(raised.value) or "eval" in str(raised.value)
    assert not marker.exists()


def test_hostile_pickle_cannot_plant_attributes_on_the_reader(tmp_path):
    # BUILD on the rebuild function would set its attributes if it were a plain function.
    opcodes = b"ctorch._utils\n_rebuild_tensor_v2\n(}(V__defaults__\n(I1\ntdtb."
    path = zip_like_pth(tmp_path / "evil.pth", opcodes)
    with pytest.raises(WeightsFileError, match="__defaults__"):
        read_pth(path)
    np.testing.assert_array_equal(read_pth(TINY_PTH)["double"], expected_tiny_state()["double"])


# --- files that are not .pth ----------------------------------------------------------------


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        load_weights(tmp_path / "nowhere.pth")


def test_legacy_torch_pickle_gets_a_clear_message(tmp_path):
    path = tmp_path / "old.pth"
    path.write_bytes(pickle.dumps(119547037146038801333356, protocol=2))  # how legacy files begin
    with pytest.raises(WeightsFileError, match="legacy"):
        load_weights(path)


@pytest.mark.parametrize("content", [b"", b"hello, not weights", b"PK\x03\x04 truncated zip"])
def test_unknown_format_is_named(tmp_path, content):
    path = tmp_path / "mystery.bin"
    path.write_bytes(content)
    with pytest.raises(WeightsFileError, match="mystery.bin"):
        load_weights(path)


def test_zip_without_data_pkl_is_not_a_pth(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(WeightsFileError, match="other.zip"):
        load_weights(path)
    with pytest.raises(WeightsFileError, match="data.pkl"):
        read_pth(path)


# --- our .npz, through load_weights ---------------------------------------------------------


def test_load_weights_reads_our_npz(tmp_path):
    state = {"conv1.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.array(5)}
    save_npz(tmp_path / "w.npz", state, {"a": 1})
    loaded = load_weights(tmp_path / "w.npz")
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)


def test_load_npz_refuses_a_pth(tmp_path):
    with pytest.raises(FileFormatError, match="not a .npz"):
        load_npz(TINY_PTH)


def test_object_array_in_an_npz_is_refused_by_name(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, w=np.array([object()]))
    with pytest.raises(WeightsFileError, match="pickled.npz"):
        load_weights(path)


# --- cross-check against torch (optional) ---------------------------------------------------


def test_round_trip_against_torch_load(tmp_path):
    torch = pytest.importorskip("torch")
    generator = torch.Generator().manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.Linear(5, 2))
    state = module.state_dict()
    state["1.running_var"].uniform_(0.5, 2.0, generator=generator)
    state["sliced"] = torch.randn(6, 5, generator=generator, dtype=torch.float64)[1::2, ::2]
    state["permuted"] = torch.randn(2, 3, 4, generator=generator).half().permute(2, 0, 1)
    buffer = io.BytesIO()  # a file object gets the top folder "archive", a path gets its stem
    torch.save(state, buffer)
    for path, content in ((tmp_path / "a.pth", buffer.getvalue()), (tmp_path / "b.pth", None)):
        if content is None:
            torch.save(state, path)
        else:
            path.write_bytes(content)
        ours = read_pth(path)
        theirs = torch.load(path, weights_only=True)
        assert list(ours) == list(theirs)
        for name, tensor in theirs.items():
            assert ours[name].dtype == tensor.numpy().dtype
            np.testing.assert_array_equal(ours[name], tensor.numpy(), err_msg=name)
