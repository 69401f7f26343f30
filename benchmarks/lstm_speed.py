"""LSTM forward + backward speed against torch.nn.LSTM, float32.

    python benchmarks/lstm_speed.py [--batch 64 --steps 20 --input 512 --hidden 512 --threads 2]

Times the project's fused lstm_forward + lstm_backward and, when PyTorch is
installed, torch.nn.LSTM forward + backward on the same sizes, in the same
process, with the same number of threads; prints the median of several runs and
the ratio. Also prints NumPy's BLAS and its float32 GEMM speed for context.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which some machines here set to work around
old OpenBLAS builds, slow a current NumPy down: with --native-blas (the default)
this script re-runs itself without them and says so.
"""

import argparse
import os
import sys
import time

BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def reexec_without_blas_overrides():
    """Run this script again in a process without the OpenBLAS overrides (before numpy loads)."""
    if any(name in os.environ for name in BLAS_OVERRIDES):
        environment = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
        environment["LSTM_BENCHMARK_UNSET"] = ",".join(n for n in BLAS_OVERRIDES if n in os.environ)
        os.execve(sys.executable, [sys.executable, *sys.argv], environment)


def parse_arguments():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--input", type=int, default=512)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--keep-blas-overrides", action="store_true",
                        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as the environment sets them")
    return parser.parse_args()


def median_seconds(run, repeats, synchronize=lambda: None):
    """Median wall time of run() over `repeats` calls, after two warm-up calls."""
    for _ in range(2):
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


def gemm_gflops(numpy, size=2048):
    a = numpy.ones((size, size), numpy.float32)
    seconds = median_seconds(lambda: a @ a, 5)
    return 2 * size**3 / seconds / 1e9


def time_project(args):
    from lstm import lstm_backward, lstm_forward
    from numerics import backend

    xp = backend.use(args.backend)
    rng = xp.random.default_rng(0)
    N, T, D, H = args.batch, args.steps, args.input, args.hidden
    x = rng.standard_normal((N, T, D), dtype=xp.float32)
    h0 = rng.standard_normal((N, H), dtype=xp.float32)
    Wx = rng.standard_normal((D, 4 * H), dtype=xp.float32) * 0.05
    Wh = rng.standard_normal((H, 4 * H), dtype=xp.float32) * 0.05
    b = xp.zeros(4 * H, xp.float32)
    dh = rng.standard_normal((N, T, H), dtype=xp.float32)

    def forward_backward():
        h, cache = lstm_forward(x, h0, Wx, Wh, b)
        lstm_backward(dh, cache)

    synchronize = xp.cuda.Device().synchronize if args.backend == "cupy" else (lambda: None)
    return median_seconds(forward_backward, args.repeats, synchronize)


def time_torch(args, device):
    import torch

    torch.manual_seed(0)
    N, T, D, H = args.batch, args.steps, args.input, args.hidden
    layer = torch.nn.LSTM(D, H, batch_first=True).to(device)
    x = torch.randn(N, T, D, device=device, requires_grad=True)
    h0 = torch.randn(1, N, H, device=device, requires_grad=True)
    c0 = torch.zeros(1, N, H, device=device)
    dh = torch.randn(N, T, H, device=device)

    def forward_backward():
        h, _ = layer(x, (h0, c0))
        h.backward(dh)

    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    return median_seconds(forward_backward, args.repeats, synchronize)


def main():
    args = parse_arguments()
    if not args.keep_blas_overrides:
        reexec_without_blas_overrides()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import numpy
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(args.threads)
    unset = os.environ.get("LSTM_BENCHMARK_UNSET")
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()]
    print(f"numpy {numpy.__version__}, BLAS {blas}, threads {args.threads}")
    if unset:
        print(f"(re-ran without {unset} so that OpenBLAS picks its native kernel)")
    print(f"numpy float32 GEMM 2048^3: {gemm_gflops(numpy):.0f} GFLOP/s")
    N, T, D, H = args.batch, args.steps, args.input, args.hidden
    # forward: 2 GEMMs of 2*N*T*(D or H)*4H flops; backward: 4 of them (dx, dWx, dh, dWh).
    gflop = 3 * 2 * N * T * (D + H) * 4 * H / 1e9
    print(f"LSTM N={N} T={T} D={D} H={H}, float32, forward+backward ({gflop:.1f} GFLOP)")
    ours = time_project(args)
    print(f"  project ({args.backend}):  {ours * 1e3:8.1f} ms   {gflop / ours:6.0f} GFLOP/s")
    try:
        import torch
    except ImportError:
        print("  torch not installed: pip install -e '.[crosscheck]' to compare")
        return
    torch.set_num_threads(args.threads)
    device = "cuda" if args.backend == "cupy" else "cpu"
    reference = time_torch(args, device)
    print(f"  torch.nn.LSTM ({device}):  {reference * 1e3:8.1f} ms   {gflop / reference:6.0f} GFLOP/s")
    print(f"  ratio project / torch: {ours / reference:.2f}x")


if __name__ == "__main__":
    main()
