"""Weights files: torchvision `.pth` read without torch, and the project's own `.npz`.

A `.pth` written by `torch.save` (since torch 1.6) is a zip archive:

    <prefix>/data.pkl      a pickle of the state dict; each tensor is a call to
                           torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)
    <prefix>/data/<key>    the raw bytes of storage <key>, referenced from the pickle by a
                           "persistent id" ('storage', storage type, key, location, numel)
    <prefix>/byteorder     "little" or "big" (absent in old files: little)

Unpickling runs whatever callables a pickle names, so the reader allows exactly the
globals that rebuild tensors and refuses every other one before anything is called.
Tensors are rebuilt with NumPy (dtype from the storage type, then offset, size and
stride) and returned as independent, contiguous host arrays.

No size the file states is trusted before it is checked: the pickle is scanned first
(every length it declares must fit in it), every record and storage is charged to the
file's ReadBudget (numerics.files) before it is read, and every tensor before it is
allocated, so a small crafted file (a compressed record, a huge size with stride 0)
is refused instead of filling the memory. Offsets, sizes and strides are checked
against the storage's length in Python integers, which cannot overflow.

The project's own `.npz` (numerics.files) is read here too, so that `load_weights`
takes either.
"""

import collections
import io
import math
import pickle
import pickletools
import zipfile
from typing import NamedTuple

import numpy

from numerics.files import (
    ZIP_MAGIC,
    FileFormatError,
    ReadBudget,
    is_npz,
    load_npz,
    read_magic,
    zip_member_names,
)

PICKLE_PROTOCOL_OPCODE = b"\x80"

# torch's storage class name -> NumPy dtype (byte order is set from the archive's record).
STORAGE_DTYPES = {
    "DoubleStorage": "f8",
    "FloatStorage": "f4",
    "HalfStorage": "f2",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "b1",
}


class WeightsFileError(FileFormatError):
    """A weights file that cannot be read; the message names the file."""


class ForbiddenGlobalError(WeightsFileError):
    """A pickle asked for a global outside the tensor-rebuilding allow list."""


# NamedTuples have no __dict__ and refuse setattr, so a hostile pickle's BUILD opcode
# cannot plant attributes on the objects the reader hands out.
class StorageType(NamedTuple):
    name: str
    dtype: numpy.dtype


class Storage(NamedTuple):
    key: str
    values: numpy.ndarray  # 1-d, native byte order


def _find_pickle_prefix(archive, path):
    """The top folder of the archive that holds data.pkl ("archive", the file stem, ...)."""
    prefixes = [name[: -len("/data.pkl")] for name in archive.namelist() if name.endswith("/data.pkl")]
    prefixes = [prefix for prefix in prefixes if "/" not in prefix]
    if len(prefixes) != 1:
        raise WeightsFileError(
            f"{path}: expected exactly one <folder>/data.pkl in the zip archive (torch.save format), "
            f"found {len(prefixes)}"
        )
    return prefixes[0]


def _read_record(archive, name, budget):
    """The bytes of one archive record, its size (from the zip header) charged to budget first."""
    info = archive.getinfo(name)
    budget.spend(info.file_size, f"record {name!r}")
    return archive.read(info)  # yields at most file_size bytes, whatever the compressed data hold


MEMO_OPCODES = {"PUT", "BINPUT", "LONG_BINPUT"}


def _check_pickle_sizes(pickled, path):
    """Parse the pickle without running it: every length it declares must fit in its bytes.

    The unpickler allocates a declared bytes object, and a memo table up to a declared
    index, before reading; a few bytes could otherwise ask for gigabytes. A pickler
    numbers its memo entries from 0, so no index exceeds the pickle's length.
    """
    try:
        for opcode, argument, _ in pickletools.genops(pickled):
            if opcode.name in MEMO_OPCODES and argument > len(pickled):
                raise ValueError(f"memo index {argument} in a pickle of {len(pickled)} bytes")
    except ValueError as error:
        raise WeightsFileError(f"{path}: damaged data.pkl ({' '.join(str(error).split())})") from error


class TensorUnpickler(pickle.Unpickler):
    """Unpickles a torch.save state dict into NumPy arrays, refusing every other global.

    archive: an open zipfile.ZipFile; prefix: its top folder; path: named in errors;
    budget: the file's ReadBudget, charged for every storage and tensor before it is made.
    """

    def __init__(self, file, archive, prefix, path, budget):
        super().__init__(file)
        self._archive = archive
        self._prefix = prefix
        self._path = path
        self._budget = budget
        self._byteorder = self._read_byteorder()
        self._storages = {}

    def _read_byteorder(self):
        record = f"{self._prefix}/byteorder"
        if record not in self._archive.namelist():
            return "<"
        text = _read_record(self._archive, record, self._budget).decode("ascii", errors="replace").strip()
        if text not in ("little", "big"):
            raise WeightsFileError(f"{self._path}: unknown byte order record {text!r}")
        return "<" if text == "little" else ">"

    def find_class(self, module, name):
        # Bound methods are returned (not module functions) because a pickle cannot set
        # attributes on a bound method, so it cannot alter the reader's own functions.
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self._rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return self._rebuild_parameter
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name, numpy.dtype(STORAGE_DTYPES[name]).newbyteorder(self._byteorder))
        if module == "torch" and name.endswith("Storage"):
            raise WeightsFileError(
                f"{self._path}: tensors stored as torch.{name} have no NumPy dtype here; "
                f"supported: {', '.join(sorted(STORAGE_DTYPES))}"
            )
        raise ForbiddenGlobalError(
            f"{self._path}: refusing to load the global {module}.{name}; a weights file may only "
            "rebuild tensors (torch._utils._rebuild_tensor_v2, torch.*Storage, collections.OrderedDict)"
        )

    def persistent_load(self, pid):
        """pid: ('storage', StorageType, key, location, numel) -> Storage."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise WeightsFileError(f"{self._path}: unsupported persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid
        if not isinstance(storage_type, StorageType) or not isinstance(key, str) or not _is_count(numel):
            raise WeightsFileError(f"{self._path}: malformed storage reference {pid!r}")
        cache_key = (key, storage_type.dtype)
        if cache_key not in self._storages:
            self._storages[cache_key] = Storage(key, self._read_storage(key, storage_type.dtype, numel))
        return self._storages[cache_key]

    def _read_storage(self, key, dtype, numel):
        record = f"{self._prefix}/data/{key}"
        if record not in self._archive.namelist():
            raise WeightsFileError(f"{self._path}: storage {key!r} is missing from the archive")
        raw = _read_record(self._archive, record, self._budget)
        if len(raw) < numel * dtype.itemsize:
            raise WeightsFileError(
                f"{self._path}: storage {key!r} holds {len(raw)} bytes, expected {numel} x {dtype.itemsize}"
            )
        self._budget.spend(numel * dtype.itemsize, f"storage {key!r}")
        # astype copies into native byte order, which also makes the buffer writable.
        return numpy.frombuffer(raw, dtype=dtype, count=numel).astype(dtype.newbyteorder("="))

    def _rebuild_tensor(
        self, storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None
    ):
        """The array that `size` and `stride` (in elements) select from storage, from `storage_offset`."""
        if not isinstance(storage, Storage):
            raise WeightsFileError(f"{self._path}: a tensor must be built on a storage, got {type(storage)}")
        return _strided_copy(storage, storage_offset, size, stride, self._path, self._budget)

    def _rebuild_parameter(self, data, requires_grad, backward_hooks):
        """An nn.Parameter is saved as its tensor plus flags that NumPy has no use for."""
        if not isinstance(data, numpy.ndarray):
            raise WeightsFileError(f"{self._path}: a parameter must wrap a tensor, got {type(data)}")
        return data


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _strided_copy(storage, offset, size, stride, path, budget):
    """Checks that every element the view reaches lies inside the storage, then copies it.

    The bounds check matters: as_strided does none, so a hostile file could otherwise
    read memory outside the storage. The copy is charged to the budget first: a stride
    of 0 repeats one element (torch's expand), so a tensor may hold more elements than
    its storage, but only as many as the file's budget allows.
    """
    counts_ok = _is_count(offset) and isinstance(size, tuple) and isinstance(stride, tuple)
    if not counts_ok or len(size) != len(stride) or not all(map(_is_count, size + stride)):
        raise WeightsFileError(
            f"{path}: storage {storage.key!r}: bad tensor geometry "
            f"offset={offset!r} size={size!r} stride={stride!r}"
        )
    values = storage.values
    # An extent of 0 counts as 1: NumPy refuses even an empty shape whose other extents overflow.
    nbytes = math.prod(max(extent, 1) for extent in size) * values.itemsize
    budget.spend(nbytes, f"a tensor of size {size} on storage {storage.key!r}")
    if 0 in size:
        return numpy.empty(size, dtype=values.dtype)
    # Along an axis of extent 1 the stride is never used; a huge one would overflow as_strided.
    stride = tuple(step if extent > 1 else 0 for extent, step in zip(size, stride))
    last = offset + sum((extent - 1) * step for extent, step in zip(size, stride))
    if last >= values.size:
        raise WeightsFileError(
            f"{path}: storage {storage.key!r} has {values.size} elements, but a tensor of size {size} "
            f"and stride {stride} from offset {offset} reaches element {last}"
        )
    view = numpy.lib.stride_tricks.as_strided(
        values[offset:], shape=size, strides=[step * values.itemsize for step in stride], writeable=False
    )
    return numpy.array(view, order="C")


def _check_state_dict(state, path):
    if not isinstance(state, dict):
        raise WeightsFileError(f"{path}: expected a state dict of tensors, got {type(state).__name__}")
    for name, value in state.items():
        if not isinstance(name, str) or not isinstance(value, numpy.ndarray):
            raise WeightsFileError(
                f"{path}: expected a state dict of tensors, but entry {name!r} is a {type(value).__name__}"
            )
    return dict(state)


def read_pth(path):
    """Read a torchvision `.pth` state dict without torch.

    path: a file written by torch.save (zip format, torch >= 1.6).
    Returns {name: numpy array}, e.g. "conv1.weight": (64, 3, 7, 7) float32,
    "bn1.num_batches_tracked": () int64. Raises FileNotFoundError for a missing file,
    ForbiddenGlobalError for a pickle that names anything but tensor-rebuilding globals,
    WeightsFileError for any other file it cannot read.
    """
    magic = read_magic(path, what="weights file")
    if magic.startswith(PICKLE_PROTOCOL_OPCODE):
        raise WeightsFileError(
            f"{path} is in torch's legacy (before 1.6) format, which this reader does not handle; "
            "re-save it on a machine with torch: torch.save(torch.load(old), new)"
        )
    if magic != ZIP_MAGIC:
        raise WeightsFileError(f"{path} is not a torch.save zip archive")
    budget = ReadBudget(path, WeightsFileError)
    try:
        with zipfile.ZipFile(path) as archive:
            prefix = _find_pickle_prefix(archive, path)
            pickled = _read_record(archive, f"{prefix}/data.pkl", budget)
            _check_pickle_sizes(pickled, path)
            state = TensorUnpickler(io.BytesIO(pickled), archive, prefix, path, budget).load()
    except WeightsFileError:
        raise
    except (
        zipfile.BadZipFile,
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        TypeError,
        ValueError,
        KeyError,
        IndexError,
    ) as error:
        # A damaged or hand-made pickle fails in many ways; each is a bad file, not a bug here.
        raise WeightsFileError(f"{path}: damaged torch archive ({type(error).__name__}: {error})") from error
    return _check_state_dict(state, path)


def weights_format(path):
    """'torch' for a torch.save zip, 'npz' for a NumPy archive; WeightsFileError otherwise."""
    if read_magic(path, what="weights file").startswith(PICKLE_PROTOCOL_OPCODE):
        return "torch"  # the legacy format; read_pth explains what to do with it
    try:
        names = zip_member_names(path) or []
    except FileFormatError as error:
        raise WeightsFileError(str(error)) from error
    if any(name.endswith("/data.pkl") for name in names):
        return "torch"
    if is_npz(path):
        return "npz"
    raise WeightsFileError(
        f"{path} is neither a torch .pth (zip archive with data.pkl) nor a .npz weights file"
    )


def load_weights(path):
    """The state dict {name: numpy array} stored in a torch `.pth` or in our `.npz` at `path`.

    Raises FileNotFoundError for a missing file, WeightsFileError naming the file for
    anything else it cannot read.
    """
    if weights_format(path) == "torch":
        return read_pth(path)
    try:
        return load_npz(path)[0]
    except FileFormatError as error:
        raise WeightsFileError(str(error)) from error
