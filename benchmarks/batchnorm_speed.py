"""Train-mode batch norm, forward + backward, at the shapes of the demo's small ResNet.

    python benchmarks/batchnorm_speed.py [--threads 2 --batch 32]

The demo's encoder normalises 13 maps a step, from 8,192 rows (32 pictures of 16 x 16
cells) of 16 channels to 512 rows of 256. Such narrow matrices are where NumPy's
per-call and per-row costs show, so this script times, in the same process:

- column sums, the per-channel sums that batch norm takes three of per layer and step
  (resnet.channels.column_sums, a product with a row of ones) against sum(axis=0);
- resnet.fast_batchnorm's forward + backward, layer by layer, against
  torch.nn.functional.batch_norm's when PyTorch is installed.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which select a slower kernel, are unset for this
script's own process (it re-runs itself and says so).
"""

import argparse
import os

from common import describe_machine, median_seconds, reexec_without_blas_overrides, torch_or_none

# (rows per picture, channels) of every batch norm in the demo's encoder, in order: the stem
# on 16 x 16 cells, then one bottleneck per stage (1x1, 3x3, 1x1 expanding, the projection).
DEMO_LAYERS = [(256, 24),
               (256, 16), (256, 16), (256, 64), (256, 64),
               (64, 32), (64, 32), (64, 128), (64, 128),
               (16, 64), (16, 64), (16, 256), (16, 256)]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch", type=int, default=32, help="pictures a step")
    parser.add_argument("--repeats", type=int, default=101)
    return parser.parse_args()


def project_step(rows, d, numpy):
    """Forward + backward of the project's fast batch norm in train mode on rows (M, C)."""
    from resnet.fast_batchnorm import batchnorm_backward, batchnorm_forward

    C = rows.shape[1]
    gamma, beta = numpy.ones(C, numpy.float32), numpy.zeros(C, numpy.float32)
    running_mean, running_var = numpy.zeros(C, numpy.float32), numpy.ones(C, numpy.float32)

    def step():
        _, cache = batchnorm_forward(rows, gamma, beta, running_mean, running_var, train=True)
        batchnorm_backward(d, cache)
    return step


def torch_step(rows, d, torch):
    """Forward + backward of torch's batch norm in train mode on the same numbers."""
    x = torch.tensor(rows, requires_grad=True)
    C = rows.shape[1]
    gamma = torch.ones(C, requires_grad=True)
    beta = torch.zeros(C, requires_grad=True)
    running_mean, running_var = torch.zeros(C), torch.ones(C)
    upstream = torch.tensor(d)

    def step():
        out = torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta, training=True)
        out.backward(upstream)
    return step


def table_row(label, times, digits):
    """One row of the table: column sums, sum(axis=0), their ratio; batch norm, torch, their ratio."""
    sums, plain, ours, reference = (f"{t:.{digits}f}" for t in times)
    return (f"| {label} | {sums} | {plain} | {times[0] / times[1]:.2f}x "
            f"| {ours} | {reference} | {times[2] / times[3]:.2f}x |")


def main():
    args = parse_arguments()
    reexec_without_blas_overrides()
    print(describe_machine(args.threads))
    import numpy

    from resnet.channels import column_sums

    torch = torch_or_none(args.threads)
    rng = numpy.random.default_rng(0)
    ms = lambda run: 1e3 * median_seconds(run, args.repeats)  # noqa: E731
    print("| rows x channels | column_sums ms | sum(axis=0) ms | ratio "
          "| batch norm fwd+bwd ms | torch ms | ratio |")
    print("|---|---|---|---|---|---|---|")
    totals = numpy.zeros(4)
    for per_picture, C in DEMO_LAYERS:
        rows = rng.standard_normal((args.batch * per_picture, C), dtype=numpy.float32)
        d = rng.standard_normal(rows.shape, dtype=numpy.float32)
        times = [ms(lambda: column_sums(rows)), ms(lambda: rows.sum(axis=0)),  # noqa: B023
                 ms(project_step(rows, d, numpy)), ms(torch_step(rows, d, torch)) if torch else numpy.nan]
        totals += times
        print(table_row(f"{rows.shape[0]} x {C}", times, 3))
    print(table_row(f"all {len(DEMO_LAYERS)} layers", totals, 2))
    if torch is None:
        print("PyTorch is not installed: pip install torch==2.13.0 for its column")


if __name__ == "__main__":
    main()
