"""GRU forward + backward speed against torch.nn.GRU, float32.

    python benchmarks/gru_speed.py [--batch 64 --steps 20 --input 512 --hidden 512 --threads 2]

Times the project's gru_forward + gru_backward and, when PyTorch is installed,
torch.nn.GRU forward + backward on the same sizes, in the same process, with the
same number of threads; prints the median of several runs and the ratio. Also
prints NumPy's BLAS and its float32 GEMM speed for context. The two are timed in
turns, several rounds each, so that a change in the machine's load between them
falls on both.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which some machines set to work around old
OpenBLAS builds, slow a current NumPy down: unless --keep-blas-overrides is given,
this script re-runs itself without them and says so.
"""

import argparse
import os

from common import describe_machine, gemm_gflops, median_seconds, reexec_without_blas_overrides, torch_or_none


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
    parser.add_argument("--rounds", type=int, default=3, help="turns of project and torch timings")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--keep-blas-overrides", action="store_true",
                        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as the environment sets them")
    return parser.parse_args()


def project_run(args):
    """(forward + backward of gru_forward/gru_backward, its synchronize) on random float32 inputs."""
    from lstm import gru_backward, gru_forward
    from numerics import backend

    xp = backend.use(args.backend)
    rng = xp.random.default_rng(0)
    N, T, D, H = args.batch, args.steps, args.input, args.hidden
    x = rng.standard_normal((N, T, D), dtype=xp.float32)
    h0 = rng.standard_normal((N, H), dtype=xp.float32)
    Wx = rng.standard_normal((D, 3 * H), dtype=xp.float32) * 0.05
    Wh = rng.standard_normal((H, 3 * H), dtype=xp.float32) * 0.05
    bx = rng.standard_normal(3 * H, dtype=xp.float32) * 0.1
    bh = rng.standard_normal(3 * H, dtype=xp.float32) * 0.1
    dh = rng.standard_normal((N, T, H), dtype=xp.float32)

    def forward_backward():
        h, cache = gru_forward(x, h0, Wx, Wh, bx, bh)
        gru_backward(dh, cache)

    synchronize = xp.cuda.Device().synchronize if args.backend == "cupy" else (lambda: None)
    return forward_backward, synchronize


def torch_run(args, device):
    """(forward + backward of torch.nn.GRU, its synchronize) on the same sizes."""
    import torch

    torch.manual_seed(0)
    N, T, D, H = args.batch, args.steps, args.input, args.hidden
    layer = torch.nn.GRU(D, H, batch_first=True).to(device)
    x = torch.randn(N, T, D, device=device, requires_grad=True)
    h0 = torch.randn(1, N, H, device=device, requires_grad=True)
    dh = torch.randn(N, T, H, device=device)

    def forward_backward():
        h, _ = layer(x, h0)
        h.backward(dh)

    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    return forward_backward, synchronize


def main():
    args = parse_arguments()
    if not args.keep_blas_overrides:
        reexec_without_blas_overrides()
    print(describe_machine(args.threads))
    print(f"numpy float32 GEMM 2048^3: {gemm_gflops():.0f} GFLOP/s")
    N, T, D, H = args.batch, args.steps, args.input, args.hidden
    # forward: 2 GEMMs of 2*N*T*(D or H)*3H flops; backward: 4 of them (dx, dWx, dh, dWh).
    gflop = 3 * 2 * N * T * (D + H) * 3 * H / 1e9
    print(f"GRU N={N} T={T} D={D} H={H}, float32, forward+backward ({gflop:.1f} GFLOP)")
    runs = {f"project ({args.backend})": project_run(args)}
    torch = torch_or_none(args.threads)
    if torch is None:
        print("  torch not installed: pip install torch==2.13.0 to compare")
    else:
        device = "cuda" if args.backend == "cupy" else "cpu"
        runs[f"torch.nn.GRU ({device})"] = torch_run(args, device)
    best = {name: float("inf") for name in runs}
    for _ in range(args.rounds):
        for name, (run, synchronize) in runs.items():
            best[name] = min(best[name], median_seconds(run, args.repeats, synchronize))
    for name, seconds in best.items():
        print(f"  {name + ':':24s} {seconds * 1e3:8.1f} ms   {gflop / seconds:6.0f} GFLOP/s")
    if len(best) == 2:
        ours, reference = best.values()
        print(f"  ratio project / torch: {ours / reference:.2f}x")


if __name__ == "__main__":
    main()
