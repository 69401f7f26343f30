"""Freed memory stays in the process for the next temporary array (Linux with glibc).

NumPy makes a new array for the result of every operation: `dz * z * (1 - z)` makes
three and frees two of them at once. By default glibc's malloc gives freed blocks of
128 KiB and more straight back to the operating system (or trims the top of its heap
once that much lies free there), so the next temporary of the same size starts on
fresh pages, and the first touch of every fresh 4 KiB page is a page fault. A layer
of batch 64 and 512 units makes exactly such arrays (64 x 512 float32 = 128 KiB) a
dozen times per time step. Measured on a 2-core VM: the GRU cell's backward pass
(lstm.gru_fused.gru_cell_backward, N = 64, H = 512) took 1.08 ms and 352 page faults
a call by default, and 0.22 ms and none with the thresholds below.

Raising malloc's two thresholds keeps freed memory for reuse instead. The price is
that memory the process has once used is not handed back to the system until it
exits (up to TRIM_THRESHOLD of it lying free), which suits a process that trains or
runs a model over and over. Other C libraries (macOS, musl) have their own policies
and are left as they are. The setting is made once, when numerics is imported.
"""

import ctypes
import platform

# glibc's malloc.h: the option numbers of mallopt
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# Blocks up to this size come from the heap and are reused; glibc allows at most 32 MiB on
# 64-bit machines. Larger ones (a ResNet50's biggest buffers) still get pages of their own.
MMAP_THRESHOLD = 32 * 2**20
# Free memory at the top of the heap is given back only once this much lies there.
TRIM_THRESHOLD = 512 * 2**20


def keep_freed_memory():
    """Ask glibc's malloc to keep freed blocks for reuse. Returns True if it was asked and agreed."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    # mallopt returns 1 on success and 0 when it refuses a value
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
