"""Per-channel work on channels-last data viewed as a matrix (M, C): one row per pixel.

Batch norm and the bias gradients sum over every pixel of every image, i.e. down the
columns.

Elementwise formulas with several steps (y = x * scale + shift) are applied one block of
rows at a time, so each block stays in cache from the first step to the last: memory is
read and written once instead of once per step.
"""

from numerics import array_module, preferred_chunk_bytes

# Bytes per operand in one block of rows on the CPU: a few operands fit a core's L2 cache
# together. A GPU has no such cache: it takes the backend's preferred_chunk_bytes.
BLOCK_BYTES = 2**19


def column_sums(matrix):
    """matrix: (M, C) -> (C,), the sum of each column."""
    # As a product with a row of ones: the BLAS sums a narrow matrix down its columns 2 to 14
    # times faster than sum(axis=0), which walks it one short row at a time (measured at the
    # demo encoder's shapes by benchmarks/batchnorm_speed.py).
    xp = array_module(matrix)
    return xp.ones(matrix.shape[0], dtype=matrix.dtype) @ matrix


def column_dots(a, b):
    """a, b: (M, C) -> (C,), sum over rows of a * b, without materialising the product."""
    xp = array_module(a)
    return xp.einsum("mc,mc->c", a, b)


def row_blocks(matrix):
    """Yield slices of rows of matrix (M, C), each about BLOCK_BYTES on the host, covering all M rows."""
    rows, row_bytes = matrix.shape[0], max(1, matrix[:1].nbytes)
    step = max(1, preferred_chunk_bytes(array_module(matrix), BLOCK_BYTES) // row_bytes)
    for start in range(0, rows, step):
        yield slice(start, min(rows, start + step))
