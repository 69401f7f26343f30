"""What every benchmark here shares: a clean BLAS environment, timing, and machine facts."""

import os
import sys
import time

BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
UNSET_MARKER = "BENCHMARK_UNSET_BLAS_OVERRIDES"


def reexec_without_blas_overrides():
    """Run this script again without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (call before numpy loads).

    Some machines set them to work around old OpenBLAS builds; they make a current NumPy
    pick a slower kernel. Only this benchmark's own process is affected.
    """
    if any(name in os.environ for name in BLAS_OVERRIDES):
        environment = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
        environment[UNSET_MARKER] = ",".join(n for n in BLAS_OVERRIDES if n in os.environ)
        os.execve(sys.executable, [sys.executable, *sys.argv], environment)


def describe_machine(threads):
    """Limit BLAS to `threads` and return a line naming NumPy, its BLAS kernel and the threads."""
    import numpy
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(threads)
    blas = ", ".join(f"{i['internal_api']} {i.get('architecture') or ''}".strip() for i in threadpool_info())
    line = f"numpy {numpy.__version__}, BLAS {blas}, {threads} threads, {os.cpu_count()} cores"
    if os.environ.get(UNSET_MARKER):
        line += f" (re-ran without {os.environ[UNSET_MARKER]})"
    return line


def median_seconds(run, repeats, synchronize=lambda: None, warmup=2):
    """Median wall time of run() over `repeats` calls, after `warmup` calls."""
    for _ in range(warmup):
        run()
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        synchronize()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def gemm_gflops(size=2048):
    """NumPy's float32 matrix-multiply speed on this machine, GFLOP/s."""
    import numpy

    a = numpy.ones((size, size), numpy.float32)
    return 2 * size**3 / median_seconds(lambda: a @ a, 5) / 1e9


def torch_or_none(threads):
    """The torch module with `threads` threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch
