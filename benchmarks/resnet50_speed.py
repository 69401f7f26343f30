"""ResNet50 speed and memory: the project's NumPy model against PyTorch on the CPU, float32.

    python benchmarks/resnet50_speed.py [--batch 8] [--size 224] [--threads N] [--repeats 5]

Times, in one process with the same number of threads for both, the two frameworks
taking turns (one run of each per round, so that a slow spell on a shared machine hits
both alike):
- forward in eval mode (inference: no activations kept for a backward pass),
- forward + backward in train mode (batch statistics; every parameter's gradient),
- on the CPU, the eval forward pass again with the batch kept in one piece (each product on
  all the BLAS's threads, the rest on one core), for what sharing the batch among the cores
  gains (resnet.model's _eval_features), and two half-batch train steps side by side, each
  on its own copy of the model: what sharing the train step would give at most, before its
  batch norms exchange their sums (half_batch_train_steps),
for this project's resnet.resnet50 and, when PyTorch is installed, for the same weights in
PyTorch (torchvision.models.resnet50 if torchvision is installed, else an independent
functional ResNet50, benchmarks/torch_resnet50.py). Reports the median time, images/s
and effective GFLOP/s (8.2 GFLOP per 224x224 image forward, scaled by the pixel count;
forward + backward counted as 3 forwards), NumPy's own float32 GEMM speed, and the BLAS
in use. Neither framework computes the gradient of the input images in the train step
(PyTorch does not, as they do not require grad; ours is told input_gradient=False).

Peak memory of a train step is measured for each framework in a fresh subprocess: the
peak resident set size over two train steps (VmHWM, reset through /proc/self/clear_refs)
minus the resident size of the built model and its input before the first step, i.e.
the activations, caches, gradients and work buffers of training, including whatever the
framework allocates once on first use. Where the peak cannot be reset, the whole
process's ru_maxrss is reported instead (and the table says so).

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines to work around old OpenBLAS
builds, make a current OpenBLAS pick a slower kernel: unless --keep-blas-overrides is
given, the script re-runs itself without them (before NumPy is imported) and says so.
"""

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

from common import BLAS_OVERRIDES, describe_machine, gemm_gflops, reexec_without_blas_overrides, torch_or_none

GFLOP_PER_224_IMAGE = 8.2
ONE_PIECE = "ours, the batch in one piece"
HALVES = "ours, two half-batch train steps side by side"
PAUSE_SECONDS = 0.3  # before each timed run, for the other framework's threads to go idle
REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))  # the project's packages


def resnet50_arguments(description, repeats):
    """A parser with the options every ResNet50 benchmark takes: batch, size, threads, repeats,
    --no-torch."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=description, formatter_class=formatter)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=224, help="image height and width")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=repeats, help="timed runs per measurement (median)")
    parser.add_argument("--no-torch", action="store_true", help="time only this project's model")
    return parser


def parse_arguments():
    parser = resnet50_arguments(__doc__, repeats=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument(
        "--keep-blas-overrides", action="store_true", help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as set"
    )
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy",
                        help="cupy: time on the GPU, against PyTorch CUDA (no memory probe)")
    parser.add_argument("--share-any-batch", action="store_true",
                        help="share even a batch below resnet.model.MIN_PIECE_MULTIPLY_ADDS among the cores "
                             "in eval mode, to see what that costs")
    parser.add_argument("--memory-probe", choices=("ours", "torch"), help=argparse.SUPPRESS)
    return parser.parse_args()


def timed_rounds(runs, repeats):
    """{name: sorted wall times} of each run() in runs, after one warm-up call of each.

    The runs take turns, one call of each per round, so that a slow spell on a shared
    machine falls on all of them alike. Each call starts after a short pause: the BLAS and
    OpenMP worker threads of the framework that ran before spin for a while after their
    work, and would otherwise take cores from the next one.
    """
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            time.sleep(PAUSE_SECONDS)
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: sorted(values) for name, values in times.items()}


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_description(threadpoolctl):
    """Version, kernel, threading and file of each BLAS loaded (as threadpoolctl sees them)."""
    blas = [pool for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    return "; ".join(
        f"{pool['internal_api']} {pool.get('version')} ({pool.get('architecture', '?')} kernel, "
        f"{pool.get('threading_layer', '?')}, {pool['num_threads']} threads) {Path(pool['filepath']).name}"
        for pool in blas
    )


# --- the two frameworks ------------------------------------------------------------------


def build_ours(batch, size, seed=0, backend="numpy"):
    """(model, images, dlogits) for this project's ResNet50, on the chosen array backend."""
    import numpy

    import resnet
    from numerics import use

    xp = use(backend)
    model = resnet.resnet50(dtype=numpy.float32, rng=seed)
    rng = numpy.random.default_rng(seed + 1)
    images = xp.asarray(rng.standard_normal((batch, 3, size, size), dtype=numpy.float32))
    dlogits = xp.asarray(rng.standard_normal((batch, 1000), dtype=numpy.float32))
    return model, images, dlogits


def synchronizer(backend):
    """A function that waits for the GPU's queued work (a no-op on the CPU)."""
    if backend == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    return lambda: None


def ours_steps(model, images, dlogits, synchronize=lambda: None):
    """(eval forward, train forward + backward) for this project's model."""

    def forward():
        model.forward(images, train=False, keep_cache=False)
        synchronize()

    def train_step():
        model.forward(images, train=True)
        model.backward(dlogits, input_gradient=False)  # like torch: the images need no gradient
        synchronize()

    return forward, train_step


def one_piece_forward(model, images):
    """The eval forward pass with the batch kept in one piece, every product on all the BLAS's
    threads: the model as it was before it shared the batch among the cores
    (resnet.model's _eval_features), timed beside it for the gain."""
    import resnet.model

    def forward():
        with mock.patch.object(resnet.model, "lanes", lambda xp: 1):
            model.forward(images, train=False, keep_cache=False)

    return forward


def half_batch_train_steps(model, images, dlogits):
    """Two half-batch train steps side by side (numerics.lanes), each on its own copy of the
    model: the work of sharing a train step between two cores, without the sums its batch norms
    would have to exchange to equal the whole batch's. A bound on what sharing would give, not
    a way to train."""
    import resnet
    from numerics.lanes import side_by_side

    twin = resnet.resnet50(dtype=model.dtype)
    twin.load_state_dict(model.state_dict())
    half = len(images) // 2
    shares = [(model, slice(0, half)), (twin, slice(half, len(images)))]

    def half_step(share):
        copy, pictures = share
        copy.forward(images[pictures], train=True)
        copy.backward(dlogits[pictures], input_gradient=False)

    return lambda: side_by_side(half_step, shares)


def torch_steps(model, images, dlogits, device="cpu"):
    """The same two for PyTorch, with our model's weights; returns them and a name."""
    import torch

    from numerics import to_host

    state = model.state_dict()
    x, dy = torch.from_numpy(to_host(images)).to(device), torch.from_numpy(to_host(dlogits)).to(device)
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    try:
        import torchvision

        network = torchvision.models.resnet50(weights=None)
        network.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})
        network.to(device)
        name = "torchvision"
        parameters = list(network.parameters())

        def run(train):
            network.train(train)
            return network(x)
    except ImportError:
        import torch_resnet50

        tensors = torch_resnet50.torch_state(state, model.params, device)
        name = "torch functional"
        parameters = [tensors[key] for key in model.params]

        def run(train):
            return torch_resnet50.resnet(tensors, x, train)

    def forward():
        with torch.no_grad():
            run(False)
        synchronize()

    def forget_gradients():
        for parameter in parameters:
            parameter.grad = None

    def train_step():
        forget_gradients()  # fresh gradients each step, as ours: no accumulation pass
        run(True).backward(dy)
        synchronize()

    return (forward, train_step), name


# --- memory -------------------------------------------------------------------------------


def _status_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def memory_probe(framework, batch, size, threads):
    """In a fresh process: the resident memory two train steps add, as JSON on stdout."""
    import resource

    import threadpoolctl

    threadpoolctl.threadpool_limits(threads)
    model, images, dlogits = build_ours(batch, size)
    if framework == "torch":
        torch_or_none(threads)
        (_, train_step), _ = torch_steps(model, images, dlogits)
        del model
    else:
        _, train_step = ours_steps(model, images, dlogits)
    gc.collect()
    before = _status_kib("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        method = "peak RSS (VmHWM, reset before the steps)"
    except OSError:
        method = "ru_maxrss of the whole process"
    for _ in range(2):  # the second step runs with the first one's gradients alive, as in training
        train_step()
    if method.startswith("peak RSS"):
        peak = _status_kib("VmHWM")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"step_mib": (peak - before) / 1024, "peak_mib": peak / 1024, "method": method}))


def measure_memory(framework, args):
    command = [sys.executable, __file__, "--memory-probe", framework, "--batch", str(args.batch)]
    command += ["--size", str(args.size), "--threads", str(args.threads), "--keep-blas-overrides"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPOSITORY)
    if result.returncode != 0:
        raise RuntimeError(f"memory probe for {framework} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- report -------------------------------------------------------------------------------


def print_table(args, times, names, memory):
    """times: {framework: {"forward" | "train": sorted seconds}}; memory: {framework: probe result}."""
    images = args.batch
    gflop = GFLOP_PER_224_IMAGE * (args.size / 224) ** 2 * images
    columns = ["ours"] + (["torch"] if "torch" in times else [])
    both = len(columns) == 2
    print(f"{'':30s}" + "".join(f"{names[c]:>30s}" for c in columns) + ("   ours / torch" if both else ""))
    rows = (("forward (eval)", "forward", gflop), ("forward+backward (train)", "train", 3 * gflop))
    for label, key, work in rows:
        medians = [times[c][key][len(times[c][key]) // 2] for c in columns]
        best = [times[c][key][0] for c in columns]
        ratio = f"   {medians[0] / medians[1]:.2f}x (best {best[0] / best[1]:.2f}x)" if both else ""
        cells = "".join(f"{m:21.3f} ({b:.3f})" for m, b in zip(medians, best))
        print(f"{label + ', s (best)':30s}" + cells + ratio)
        print(f"{'  images/s':30s}" + "".join(f"{images / m:30.1f}" for m in medians))
        print(f"{'  effective GFLOP/s':30s}" + "".join(f"{work / m:30.1f}" for m in medians))
        extra = {"forward": (ONE_PIECE, "  the batch in one piece, s"),
                 "train": (HALVES, "  two halves side by side, s")}[key]
        if extra[0] in times:
            values = times[extra[0]][key]
            median = values[len(values) // 2]
            ratio = f"   {median / medians[1]:.2f}x (best {values[0] / best[1]:.2f}x)" if both else ""
            cells = f"{median:21.3f} ({values[0]:.3f})" + " " * 30 * both
            print(f"{extra[1]:30s}" + cells + ratio)
    if memory:
        values = [memory[c]["step_mib"] for c in columns]
        ratio = f"   {values[0] / values[1]:.2f}x" if both else ""
        print(f"{'train step memory, MiB':30s}" + "".join(f"{v:30.0f}" for v in values) + ratio)
        peaks = [memory[c]["peak_mib"] for c in columns]
        print(f"{'  process peak, MiB':30s}" + "".join(f"{v:30.0f}" for v in peaks))
        print(f"  (memory: {memory['ours']['method']} minus the RSS of the built model and its input,")
        print("   over two train steps, in a fresh subprocess per framework)")


def main():
    args = parse_arguments()
    if args.memory_probe:
        memory_probe(args.memory_probe, args.batch, args.size, args.threads)
        return
    if not args.keep_blas_overrides:
        reexec_without_blas_overrides()
    import threadpoolctl

    print(f"machine: {cpu_name()}")
    print(f"{describe_machine(args.threads)}; torch gets the same number of threads")
    kept = [f"{n}={os.environ[n]}" for n in BLAS_OVERRIDES if n in os.environ]
    if kept:
        print(f"OpenBLAS overrides kept: {', '.join(kept)}")
    print(f"BLAS library: {blas_description(threadpoolctl)}")
    print(f"NumPy float32 GEMM (4096 x 4096): {gemm_gflops(4096):.0f} GFLOP/s")
    print(f"ResNet50, float32, batch {args.batch}, {args.size}x{args.size}: median (best) of")
    print(f"{args.repeats} runs, the frameworks taking turns, one run of each per round\n")

    model, images, dlogits = build_ours(args.batch, args.size, backend=args.backend)
    if args.share_any_batch:
        import resnet.model

        resnet.model.MIN_PIECE_MULTIPLY_ADDS = 1
        print("eval mode shares any batch among the cores (--share-any-batch)")
    steps = {"ours": ours_steps(model, images, dlogits, synchronizer(args.backend))}
    names = {"ours": "ours (NumPy)" if args.backend == "numpy" else "ours (CuPy)"}
    torch = None if args.no_torch else torch_or_none(args.threads)
    if torch is not None:
        device = "cuda" if args.backend == "cupy" else "cpu"
        steps["torch"], kind = torch_steps(model, images, dlogits, device)
        names["torch"] = f"{kind} {torch.__version__}" + (" CUDA" if device == "cuda" else "")
    elif not args.no_torch:
        print("PyTorch is not installed: timing this project's model only")
    times = {name: {} for name in steps}
    for index, key in enumerate(("forward", "train")):
        runs = {name: pair[index] for name, pair in steps.items()}
        if key == "forward" and args.backend == "numpy":
            runs[ONE_PIECE] = one_piece_forward(model, images)
        if key == "train" and args.backend == "numpy" and args.batch > 1:
            runs[HALVES] = half_batch_train_steps(model, images, dlogits)
        for name, values in timed_rounds(runs, args.repeats).items():
            times.setdefault(name, {})[key] = values
    memory = {}
    if not args.no_memory and args.backend == "numpy":
        for framework in steps:
            memory[framework] = measure_memory(framework, args)
    print_table(args, times, names, memory)


if __name__ == "__main__":
    main()
