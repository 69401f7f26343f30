"""Independent pieces of work run side by side, one per core.

The BLAS spreads each matrix product over the cores, but everything between the products
(building patches, elementwise passes, copies) runs on one. When a batch falls into pieces
that need nothing from each other -- the pictures of an eval-mode forward pass -- each core
can take a piece whole instead, its products on one BLAS thread: then all of the work, not
only the products, runs on every core. Python threads can do this because NumPy lets go of
the interpreter lock while it works on arrays.

A device runs its own kernels in parallel already: there the work stays in one piece.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import ThreadpoolController

from numerics.backend import on_device

# The BLAS thread count is one setting for the whole process: one caller at a time changes it.
_side_by_side_lock = threading.Lock()


def _blas():
    """Every BLAS library loaded in this process now (found afresh, about half a millisecond:
    a library loaded later, with another package, is limited too)."""
    return ThreadpoolController().select(user_api="blas")


def _blas_threads(libraries):
    return max((library["num_threads"] for library in libraries.info()), default=1)


def lanes(xp):
    """How many pieces to run side by side for arrays of module xp: as many threads as the BLAS
    may use on the host (1 in a process limited to one, such as a data-parallel helper), 1 on
    a device."""
    return 1 if on_device(xp) else max(1, _blas_threads(_blas()))


def piece_bounds(N, count):
    """N rows cut into at most `count` runs of nearly equal length, none empty, in order.
    Returns a list of (start, stop)."""
    bounds = [N * k // count for k in range(count + 1)]
    return [(start, stop) for start, stop in zip(bounds, bounds[1:]) if stop > start]


def pieces_of(batch, count):
    """batch: (N, ...) cut along its first axis as piece_bounds cuts N. Returns a list of views."""
    return [batch[start:stop] for start, stop in piece_bounds(batch.shape[0], count)]


def side_by_side(function, pieces):
    """[function(piece) for piece in pieces], each piece in a thread of its own, every product on
    one BLAS thread while they run (the thread count is restored after, also on an error).

    function must only read what the pieces share. An exception in any piece is raised here,
    after every piece has finished. threadpoolctl lets one thread at a time set the BLAS's
    threads (the first to set them, until it is done); called from any other, the pieces run
    one after another, each product on the BLAS's threads as before.
    """
    if len(pieces) <= 1:
        return [function(piece) for piece in pieces]
    libraries = _blas()
    with _side_by_side_lock, libraries.limit(limits=1):
        if _blas_threads(libraries) > 1:  # this thread may not set them
            return [function(piece) for piece in pieces]
        # Leaving the pool waits for every piece, before the BLAS gets its threads back.
        with ThreadPoolExecutor(len(pieces) - 1) as pool:
            helpers = [pool.submit(function, piece) for piece in pieces[1:]]
            first = function(pieces[0])
    return [first, *(helper.result() for helper in helpers)]
