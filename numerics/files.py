"""Files: every write of the project's own files, and every read of its .npz and .npy files.

- `atomic_output(path)` / `write_text(path, text)`: a write goes to a temporary file in the
  destination's folder, is flushed to disk (fsync) and only then renamed over the
  destination, so a reader never sees half a file and a crash keeps the previous version.
- `save_npz` / `load_npz`: the project's own format for weights and checkpoints: a NumPy
  `.npz` read with `allow_pickle=False` (no code can run from a file), whose extra entry
  METADATA_KEY holds a JSON document (configuration, vocabulary).
- `writing_npy(path, shape, dtype)` / `open_npy(path)`: a `.npy` filled a block at a time
  through a memory map, and opened read-only as one, so it never has to fit in memory.
- `check_writable_folder(folder)`: made if missing and proven writable before any work that
  will write there.

A file that cannot be read raises FileFormatError (an InputError) whose one-line message
names the file.

Reading never trusts the sizes a file states. A few hundred bytes can claim a gigabyte (a
compressed member, a shape in a header, a tensor that repeats one value by stride 0), so
a reader checks every such size against a ReadBudget before allocating anything: a file
may make its reader allocate at most MAX_EXPANSION times its own size, and never more than
MAX_READ_BYTES in all.

A killed write leaves its temporary file (`.<name>.<pid>-<random>.partial<suffix>`) behind; the next
successful write of the same file removes those whose writing process has ended.
"""

import contextlib
import json
import math
import os
import re
import tempfile
import uuid
import zipfile
from pathlib import Path

import numpy
from numpy.lib.format import open_memmap

from numerics.backend import to_host
from numerics.validation import InputError

METADATA_KEY = "__metadata__"
ZIP_MAGIC = b"PK\x03\x04"
MAX_EXPANSION = 16  # bytes a reader may allocate per byte of the file (ours need about 3)
MAX_READ_BYTES = 16 * 2**30  # and in all, whatever the file's size
PARTIAL_SUFFIX = ".partial"
COPY_CHUNK_BYTES = 2**24


class FileFormatError(InputError):
    """A file that is damaged, empty or of another format; the message names the file."""


def _one_line(error):
    return " ".join(str(error).split())


class ReadBudget:
    """The bytes a reader may still allocate for what one file holds.

    path: the file (its size sets the budget); error: the FileFormatError class to raise.
    """

    def __init__(self, path, error=FileFormatError):
        self.path, self.error = path, error
        self.file_size = os.path.getsize(path)
        self.limit = min(MAX_READ_BYTES, MAX_EXPANSION * self.file_size)
        self.left = self.limit

    def spend(self, nbytes, what):
        """Count `nbytes` (a Python int, however large) for `what`, or raise naming both."""
        if nbytes > self.left:
            raise self.error(
                f"{self.path}: {what} would take {nbytes:,} bytes, more than a {self.file_size:,}-byte "
                f"file may make its reader allocate ({self.limit:,} bytes in all: at most {MAX_EXPANSION} "
                f"times its size and {MAX_READ_BYTES:,})"
            )
        self.left -= nbytes


def read_magic(path, count=4, what="file"):
    """The first `count` bytes of the file at path (fewer for a shorter file).

    A missing file raises FileNotFoundError("<what> not found: <path>").
    """
    try:
        with open(path, "rb") as handle:
            return handle.read(count)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} not found: {path}") from None


def zip_member_names(path):
    """The member names of the zip archive at path, or None when it is not a zip archive."""
    if read_magic(path) != ZIP_MAGIC:
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except zipfile.BadZipFile as error:
        raise FileFormatError(f"{path}: damaged zip archive ({_one_line(error)})") from error


# --- writing --------------------------------------------------------------------------------


def _fsync(path, flags=os.O_RDONLY):
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _partial_name(path):
    # The destination's suffix comes last, so that writers that choose a format by it (Pillow,
    # matplotlib) write the destination's format.
    return f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}{path.suffix}"


def _writer_has_ended(pid):
    if os.name != "posix":
        return False  # no harmless way to ask elsewhere: keep the file
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except (ProcessLookupError, OverflowError):  # none has that number
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def remove_stale_partials(path):
    """Delete the temporary files of earlier writes of `path` whose writing process has ended.

    Returns the names removed. A write still in progress in another process is left alone,
    and so is a file this user may not delete.
    """
    path = Path(path)
    ending = re.escape(PARTIAL_SUFFIX + path.suffix)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)-[0-9a-f]{{12}}{ending}")
    removed = []
    for entry in os.scandir(path.parent):
        match = pattern.fullmatch(entry.name)
        if match and int(match.group(1)) != os.getpid() and _writer_has_ended(int(match.group(1))):
            with contextlib.suppress(PermissionError):
                Path(entry.path).unlink(missing_ok=True)  # another writer may have removed it first
                removed.append(entry.name)
    return removed


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary path beside `path`; renames it over `path` only if the block succeeds.

    The block writes the temporary file; it is then flushed to disk and renamed, which
    replaces `path` in one step. A failed block leaves no file behind and an older
    `path` untouched; a success also removes what killed writes of `path` left
    (remove_stale_partials). Errors name `path`, never the temporary file.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    temporary = path.with_name(_partial_name(path))
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, path)
        if os.name == "posix":
            _fsync(path.parent)  # makes the rename itself survive a power cut
    except OSError as error:
        if error.filename is None or Path(error.filename) != temporary:
            raise
        # The same kind of error (OSError picks the subclass from errno), about the real target.
        raise OSError(error.errno, error.strerror, str(path)) from error
    finally:
        temporary.unlink(missing_ok=True)
    remove_stale_partials(path)


def write_text(path, text):
    """Write `text` (str) to the file at path as UTF-8, atomically."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


# --- .npz: arrays and JSON metadata ---------------------------------------------------------


def save_npz(path, state, metadata=None):
    """Save arrays and metadata as the project's `.npz`, atomically.

    path: destination file (written as given, no suffix added).
    state: {name: array of any shape}; host or device arrays, numeric dtypes only.
    metadata: anything JSON can encode (config, vocabulary), or None.
    """
    if METADATA_KEY in state:
        raise ValueError(f"state may not contain the key {METADATA_KEY!r}: it holds the metadata")
    arrays = {name: to_host(value) for name, value in state.items()}
    arrays[METADATA_KEY] = numpy.array(json.dumps(metadata))
    with atomic_output(path) as temporary, open(temporary, "xb") as handle:
        numpy.savez(handle, allow_pickle=False, **arrays)


def is_npz(path):
    """True for a zip archive of `.npy` members (what numpy.savez writes)."""
    names = zip_member_names(path)
    return bool(names) and all(name.endswith(".npy") for name in names)


def load_npz(path):
    """Load the project's `.npz`. Returns (state: {name: numpy array}, metadata: as saved, or None).

    Raises FileNotFoundError for a missing file, FileFormatError for anything else it
    cannot read (another format, a damaged archive, an array that would need pickle).
    """
    if not is_npz(path):
        raise FileFormatError(f"{path} is not a .npz file (a zip archive of .npy arrays)")
    budget = ReadBudget(path)
    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {info.filename[: -len(".npy")]: _read_member(archive, info, budget)
                      for info in archive.infolist()}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, FileFormatError):
            raise
        raise FileFormatError(f"{path}: not a readable .npz file ({_one_line(error)})") from error
    metadata = arrays.pop(METADATA_KEY, None)
    try:
        return arrays, None if metadata is None else json.loads(str(metadata))
    except (json.JSONDecodeError, RecursionError) as error:
        raise FileFormatError(f"{path}: the {METADATA_KEY} entry is not valid JSON ({error})") from error


HEADER_READERS = {
    (1, 0): numpy.lib.format.read_array_header_1_0,
    (2, 0): numpy.lib.format.read_array_header_2_0,
}


def _read_member(archive, info, budget):
    """One .npy member of an open .npz, its header checked against its real size before reading."""
    what = f"member {info.filename!r}"
    budget.spend(info.file_size, what)  # the zip header's size bounds what the member can yield
    with archive.open(info) as member:
        version = numpy.lib.format.read_magic(member)
        if version not in HEADER_READERS:
            raise FileFormatError(f"{budget.path}: {what} is a .npy of version {version}, not 1.0 or 2.0")
        shape, fortran_order, dtype = HEADER_READERS[version](member)
        data_bytes = info.file_size - member.tell()
        if dtype.hasobject:
            raise FileFormatError(f"{budget.path}: {what} holds Python objects, which need pickle (refused)")
        if min(shape, default=0) < 0 or math.prod(shape) * dtype.itemsize != data_bytes:
            raise FileFormatError(
                f"{budget.path}: {what} holds {data_bytes:,} bytes of data, but its header "
                f"describes shape {shape} of {dtype}"
            )
        budget.spend(math.prod(max(extent, 1) for extent in shape) * dtype.itemsize, what)
        flat = numpy.empty(math.prod(shape), dtype=dtype)
        if flat.nbytes:
            _read_exactly(member, flat.view(numpy.uint8))
    return flat.reshape(shape, order="F" if fortran_order else "C")


def _read_exactly(stream, into):
    """Fill the uint8 array `into` from stream, a chunk at a time (no second copy of the whole)."""
    done = 0
    while done < into.size:
        chunk = stream.read(min(COPY_CHUNK_BYTES, into.size - done))
        if not chunk:
            raise EOFError(f"the data end after {done:,} of {into.size:,} bytes")
        into[done : done + len(chunk)] = numpy.frombuffer(chunk, dtype=numpy.uint8)
        done += len(chunk)


# --- .npy: memory maps ----------------------------------------------------------------------


@contextlib.contextmanager
def writing_npy(path, shape, dtype):
    """Yields a writable memory map (shape, dtype) that becomes the `.npy` at path, atomically."""
    with atomic_output(path) as temporary:
        array = open_memmap(temporary, mode="w+", dtype=dtype, shape=shape)
        yield array
        array.flush()


def open_npy(path):
    """A read-only memory map of the `.npy` at path: a host array of its shape and dtype.

    Raises FileNotFoundError for a missing file and FileFormatError, naming the file,
    for an empty, truncated or damaged one or one whose arrays would need pickle.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    if path.stat().st_size == 0:
        raise FileFormatError(f"{path} is empty (0 bytes), not a .npy file")
    try:
        return open_memmap(path, mode="r")
    except (ValueError, OSError, EOFError) as error:
        raise FileFormatError(f"{path}: not a readable .npy file ({_one_line(error)})") from error


def check_writable_folder(folder, what="output folder"):
    """Make `folder` if it is missing and prove that files can be written in it, before any work
    depends on it. Raises InputError naming it otherwise."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{what} {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:  # permission, read-only file system, a file on the way, a full disk
        raise InputError(f"{what} {folder} cannot be written: {error.strerror or error}") from None
    return folder
