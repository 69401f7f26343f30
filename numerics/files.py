"""Files: every write of the project's own files, and every read of its .npz and .npy files.

- `atomic_output(path)` / `write_text(path, text)`: a write goes to a temporary file in the
  destination's folder, is flushed to disk (fsync) and only then renamed over the
  destination, so a reader never sees half a file and a crash keeps the previous version.
- `save_npz` / `load_npz`: the project's own format for weights and checkpoints: a NumPy
  `.npz` read with `allow_pickle=False` (no code can run from a file), whose extra entry
  METADATA_KEY holds a JSON document (configuration, vocabulary).
- `writing_npy(path, shape, dtype)` / `open_npy(path)`: a `.npy` filled a block at a time
  through a memory map, and opened read-only as one, so it never has to fit in memory.

A file that cannot be read raises FileFormatError (a ValueError) whose one-line message
names the file.
"""

import contextlib
import json
import os
import uuid
import zipfile
from pathlib import Path

import numpy
from numpy.lib.format import open_memmap

from numerics.backend import to_host

METADATA_KEY = "__metadata__"
ZIP_MAGIC = b"PK\x03\x04"


class FileFormatError(ValueError):
    """A file that is damaged, empty or of another format; the message names the file."""


def _one_line(error):
    return " ".join(str(error).split())


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


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary path beside `path`; renames it over `path` only if the block succeeds.

    The block writes the temporary file; it is then flushed to disk and renamed, which
    replaces `path` in one step. A failed block leaves no file behind and an older
    `path` untouched. Errors name `path`, never the temporary file.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, path)
        _fsync(path.parent)  # makes the rename itself survive a power cut
    except OSError as error:
        if error.filename is None or Path(error.filename) != temporary:
            raise
        # The same kind of error (OSError picks the subclass from errno), about the real target.
        raise OSError(error.errno, error.strerror, str(path)) from error
    finally:
        temporary.unlink(missing_ok=True)


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
    try:
        with numpy.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise FileFormatError(f"{path}: not a readable .npz file ({_one_line(error)})") from error
    metadata = arrays.pop(METADATA_KEY, None)
    try:
        return arrays, None if metadata is None else json.loads(str(metadata))
    except json.JSONDecodeError as error:
        raise FileFormatError(f"{path}: the {METADATA_KEY} entry is not valid JSON ({error})") from error


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
