"""Where ResNet50's time goes: its matrix products against everything else, by layer kind.

    python benchmarks/resnet50_layers.py [--batch 8] [--size 224] [--threads N] [--repeats 3]

For the eval forward pass and the train step (forward + backward, no gradient for the
images) of this project's resnet.resnet50, float32:

- the GEMM-only time: every matrix product the im2col formulation needs, each timed on
  its own with whole operands made in advance (forward: patches @ W per convolution;
  backward: patches^T @ dout for dw and dout @ W^T for dx; the fully connected layer).
  It is what the model would take if everything but its products were free: the limit of
  computing convolutions as im2col products with this BLAS. Then the same for the
  products the model actually runs, where resnet.winograd computes a 3x3 convolution (its
  forward pass and dx) with 16 smaller products;
- the model's own time, split by layer kind: the exclusive time spent inside the
  functions of each kind (a convolution's time includes its products, its patches and its
  fused bias and ReLU; batch norm's excludes the convolution it follows), the rest being
  residual additions, layout changes and Python;
- PyTorch's time for the same step (as benchmarks/resnet50_speed.py runs it), if installed.

A convolution's time minus its GEMM-only time is what building patches, scattering
gradients and fused elementwise work cost on top of the products. Median of --repeats runs.
"""

import time
from collections import Counter, defaultdict

from common import describe_machine, median_seconds, reexec_without_blas_overrides, torch_or_none
from resnet50_speed import build_ours, ours_steps, resnet50_arguments, timed_rounds, torch_steps


def parse_arguments():
    return resnet50_arguments(__doc__, repeats=3).parse_args()


def layer_kinds():
    """{kind: [(module, function name), ...]}: where the model looks each function up at call time."""
    from resnet import fast_batchnorm, fast_bottleneck, fast_conv, model

    convolutions = ("conv2d_forward", "conv2d_relu_forward", "conv2d_backward")
    kinds = {
        "convolution": [(fast_conv, name) for name in convolutions],
        "batch norm (train)": [(fast_batchnorm, "batchnorm_forward"), (fast_batchnorm, "batchnorm_backward")],
        "batch norm folded (eval)": [(fast_bottleneck, "fold_batchnorm"),
                                     (fast_bottleneck, "_folded_backward")],
        "relu": [(fast_bottleneck, "relu_in_place"), (fast_bottleneck, "relu_backward")],
        "max pool": [(model, "maxpool_forward"), (model, "maxpool_backward")],
        "average pool": [(model, "grid_avgpool_forward"), (model, "grid_avgpool_backward")],
        "fully connected": [(model, "linear_forward"), (model, "linear_backward")],
    }
    return {kind: [(module, name) for module, name in entries if hasattr(module, name)]
            for kind, entries in kinds.items()}


class LayerClock:
    """Exclusive wall time per layer kind: a wrapped call's time, less that of wrapped calls inside it."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self._children = []  # per open call: seconds spent in wrapped calls inside it

    def wrap(self, kind, function):
        def timed(*args, **kwargs):
            self._children.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = self._children.pop()
                self.seconds[kind] += elapsed - inner
                if self._children:
                    self._children[-1] += elapsed

        return timed


def install(clock, kinds):
    """Wrap every function of every kind; returns a function that puts the originals back."""
    originals = []
    for kind, entries in kinds.items():
        for module, name in entries:
            function = getattr(module, name)
            originals.append((module, name, function))
            setattr(module, name, clock.wrap(kind, function))

    def uninstall():
        for module, name, function in originals:
            setattr(module, name, function)

    return uninstall


def record_convolutions(step):
    """[(x shape, w shape, stride, padding, pass)] of every convolution one call of step() runs."""
    from resnet import fast_conv

    calls = []
    forward_names = ("conv2d_forward", "conv2d_relu_forward")
    originals = {name: getattr(fast_conv, name) for name in (*forward_names, "conv2d_backward")}

    def forward_recorder(function):
        def record(x, w, b=None, stride=1, padding=0):
            calls.append((tuple(x.shape), tuple(w.shape), stride, padding, "forward"))
            return function(x, w, b, stride, padding)

        return record

    def backward(dout, cache, input_gradient=True):
        kind = "backward" if input_gradient else "backward, no dx"
        calls.append((tuple(cache.x.shape), tuple(cache.w.shape), cache.stride, cache.padding, kind))
        return originals["conv2d_backward"](dout, cache, input_gradient)

    for name in forward_names:
        setattr(fast_conv, name, forward_recorder(originals[name]))
    fast_conv.conv2d_backward = backward
    try:
        step()
    finally:
        for name, function in originals.items():
            setattr(fast_conv, name, function)
    return calls


def _winograd_products(N, H_out, W_out, C_in, C_out):
    """The 16 products of F(2x2, 3x3) for an output (N, H_out, W_out) of C_out channels."""
    tiles = N * ((H_out + 1) // 2) * ((W_out + 1) // 2)
    return Counter({(tiles, C_in, C_out): 16})


def gemm_shapes(calls, batch, classes, features, train):
    """Counters of (rows, inner, columns) of the products: the convolutions' as im2col, the
    convolutions' as the model computes them (some by resnet.winograd), the fully connected layer's."""
    from resnet.conv import output_size
    from resnet.fast_conv import uses_winograd

    shapes, as_run, fc_shapes = Counter(), Counter(), Counter()
    for x_shape, w_shape, stride, padding, kind in calls:
        (N, H, W, C_in), (C_out, _, kH, kW) = x_shape, w_shape
        H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
        rows, inner = N * H_out * W_out, kH * kW * C_in
        winograd = uses_winograd(x_shape, w_shape, stride, padding)
        if kind == "forward":
            shapes[(rows, inner, C_out)] += 1
            as_run.update(_winograd_products(N, H_out, W_out, C_in, C_out) if winograd
                          else {(rows, inner, C_out): 1})
            continue
        shapes[(inner, rows, C_out)] += 1  # dw = patches^T @ dout
        as_run[(inner, rows, C_out)] += 1
        if kind == "backward":
            shapes[(rows, C_out, inner)] += 1  # d(patches) = dout @ W^T
            # dx of a stride-1 conv: a convolution of dout, padded by k - 1 - padding.
            winograd = stride == 1 and uses_winograd((N, H_out, W_out, C_out), (C_in, C_out, kH, kW), 1,
                                                     kH - 1 - padding)
            as_run.update(_winograd_products(N, H, W, C_out, C_in) if winograd else {(rows, C_out, inner): 1})
    fc_shapes[(batch, features, classes)] += 1
    if train:
        fc_shapes[(batch, classes, features)] += 1  # d(features)
        fc_shapes[(classes, batch, features)] += 1  # d(fc.weight)
    return shapes, as_run, fc_shapes


def gemm_seconds(shapes, repeats):
    """Total seconds of the products in shapes, each timed alone on prepared float32 operands."""
    import numpy

    rng = numpy.random.default_rng(0)
    total, flops = 0.0, 0.0
    for (m, k, n), count in shapes.items():
        a = rng.standard_normal((m, k), dtype=numpy.float32)
        b = rng.standard_normal((k, n), dtype=numpy.float32)
        out = numpy.empty((m, n), dtype=numpy.float32)
        seconds = median_seconds(lambda a=a, b=b, out=out: numpy.matmul(a, b, out=out), repeats, warmup=1)
        total += seconds * count
        flops += 2.0 * m * k * n * count
    return total, flops


def profile(step, kinds, repeats):
    """{kind: median exclusive seconds} and the median total seconds of step()."""
    clock = LayerClock()
    uninstall = install(clock, kinds)
    runs = []
    try:
        step()  # warm-up
        for _ in range(repeats):
            clock.seconds.clear()
            start = time.perf_counter()
            step()
            runs.append((time.perf_counter() - start, dict(clock.seconds)))
    finally:
        uninstall()
    runs.sort(key=lambda run: run[0])
    return runs[len(runs) // 2]


def print_pass(label, total, by_kind, gemms, torch_seconds):
    """gemms: (seconds, flops) of the convolutions' products as im2col, as the model computes
    them, and of the fully connected layer's."""
    (im2col, im2col_flops), (as_run, as_run_flops), (fc_gemm, fc_flops) = gemms
    print(f"\n{label}: {total:.3f} s" + (f", torch {torch_seconds:.3f} s, ratio {total / torch_seconds:.2f}x"
                                         if torch_seconds else ""))
    for name, (seconds, flops) in (("GEMM-only, im2col (its limit)", (im2col, im2col_flops)),
                                   ("GEMM-only, as the model computes", (as_run, as_run_flops))):
        seconds, flops = seconds + fc_gemm, flops + fc_flops
        limit = f", {seconds / torch_seconds:.2f}x torch's time" if torch_seconds else ""
        print(f"  {name:40s}{seconds:8.3f} s  {100 * seconds / total:5.1f}%   "
              f"{flops / 1e9:.1f} GFLOP at {flops / seconds / 1e9:.0f} GFLOP/s{limit}")
    conv_gemm = as_run
    accounted = 0.0
    for kind, seconds in sorted(by_kind.items(), key=lambda item: -item[1]):
        accounted += seconds
        note = f"   of which {seconds - conv_gemm:.3f} s outside the GEMMs" if kind == "convolution" else ""
        print(f"  {kind:40s}{seconds:8.3f} s  {100 * seconds / total:5.1f}%{note}")
    other = total - accounted
    print(f"  {'other (residual adds, layout, Python)':40s}{other:8.3f} s  {100 * other / total:5.1f}%")


def main():
    args = parse_arguments()
    reexec_without_blas_overrides()
    print(describe_machine(args.threads))
    print(f"ResNet50, float32, batch {args.batch}, {args.size}x{args.size}, median of {args.repeats} runs")
    model, images, dlogits = build_ours(args.batch, args.size)
    forward, train_step = ours_steps(model, images, dlogits)
    torch = None if args.no_torch else torch_or_none(args.threads)
    torch_times = {}
    if torch is not None:
        (torch_forward, torch_train), _ = torch_steps(model, images, dlogits)
        rounds = timed_rounds({"forward": torch_forward, "train": torch_train}, args.repeats)
        torch_times = {name: values[len(values) // 2] for name, values in rounds.items()}
    kinds = layer_kinds()
    classes, features = model.params["fc.weight"].shape
    for label, key, step, train in (("eval forward", "forward", forward, False),
                                    ("train step", "train", train_step, True)):
        shapes = gemm_shapes(record_convolutions(step), args.batch, classes, features, train)
        gemms = [gemm_seconds(counter, args.repeats) for counter in shapes]
        total, by_kind = profile(step, kinds, args.repeats)
        print_pass(label, total, by_kind, gemms, torch_times.get(key))


if __name__ == "__main__":
    main()
