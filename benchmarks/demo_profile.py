"""Where the demo's time goes: one training step of `python -m captioner demo`, by layer kind.

    python benchmarks/demo_profile.py [--steps 30] [--threads 2] [--context attention|pooled]
                                      [--cell lstm|gru]

Runs the demo's own training steps (the same model, data and batch as the full demo) under
cProfile and adds up the time spent inside each kind of layer (the functions of one module:
resnet.conv, lstm.fused, captioner.attention_scores, ...). A project function's time includes the
NumPy routines it calls but not the other project functions it calls, so every millisecond lands
in exactly one layer kind. Also times the other parts of an epoch: making the synthetic pictures
and decoding the validation pictures.
"""

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from common import describe_machine, reexec_without_blas_overrides

GROUPS = {  # a project module (its path without .py) -> the layer kind it belongs to
    "resnet/conv": "encoder: convolution",
    "resnet/fast_conv": "encoder: convolution",
    "resnet/batchnorm": "encoder: batch norm",
    "resnet/fast_batchnorm": "encoder: batch norm",
    "resnet/channels": "encoder: batch norm",
    "resnet/conv_bn": "encoder: block glue (ReLU, shortcuts)",
    "resnet/bottleneck": "encoder: block glue (ReLU, shortcuts)",
    "resnet/fast_bottleneck": "encoder: block glue (ReLU, shortcuts)",
    "resnet/relu": "encoder: block glue (ReLU, shortcuts)",
    "resnet/model": "encoder: block glue (ReLU, shortcuts)",
    "resnet/pooling": "encoder: pooling",
    "captioner/picture": "pictures to encoder input",
    "captioner/attention": "decoder: attention",
    "captioner/attention_scores": "decoder: attention",
    "captioner/attention_weights": "decoder: attention",
    "captioner/attention_context": "decoder: attention",
    "captioner/attention_gate": "decoder: attention",
    "captioner/attention_regulariser": "decoder: attention",
    "captioner/image_context": "decoder: the context's step loop",
    "captioner/cells": "decoder: the context's step loop",
    "captioner/decoder": "decoder: the context's step loop",
    "captioner/model": "encoder: block glue (ReLU, shortcuts)",
    "lstm/gate_affine": "decoder: the cell's matrix products",
    "lstm/fused": "decoder: the cell's elementwise work",
    "lstm/gru_fused": "decoder: the cell's elementwise work",
    "lstm/activations": "decoder: the cell's elementwise work",
    "lstm/sequence": "decoder: the cell's elementwise work",
    "lstm/gru_sequence": "decoder: the cell's elementwise work",
    "resnet/linear": "decoder: starting state",
    "lstm/embedding": "decoder: output layer, loss, embedding",
    "lstm/temporal_affine": "decoder: output layer, loss, embedding",
    "lstm/softmax_loss": "decoder: output layer, loss, embedding",
    "numerics/softmax": "decoder: output layer, loss, embedding",
    "numerics/optim": "optimizer (Adam, clipping)",
    "numerics/validation": "argument checks",
    "lstm/checks": "argument checks",
}


def group_of(filename):
    """The layer kind of a project file's functions (the training loop and batching otherwise)."""
    path = filename.replace("\\", "/").removesuffix(".py")
    module = "/".join(path.split("/")[-2:])
    return GROUPS.get(module, "other (training loop, batching, backend)")


def is_project(filename):
    return any(f"/{package}/" in filename.replace("\\", "/")
               for package in ("resnet", "lstm", "captioner", "numerics"))


def layer_totals(stats):
    """Seconds per layer kind: each project function's cumulative time minus that of the project
    functions it called. stats: pstats.Stats(...).stats."""
    totals = defaultdict(float)
    for (filename, _, _), (_, _, _, cumulative, callers) in stats.items():
        if is_project(filename):
            totals[group_of(filename)] += cumulative
        for (caller_file, _, _), (_, _, _, from_caller) in callers.items():
            if is_project(filename) and is_project(caller_file):
                totals[group_of(caller_file)] -= from_caller
    return totals


def main():
    reexec_without_blas_overrides()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", default=None)
    parser.add_argument("--cell", default=None)
    args = parser.parse_args()
    print(describe_machine(args.threads))

    import numpy
    from demo_setup import canonical_data, training_step

    from captioner.demo import FULL
    from captioner.synthetic import make_synthetic_dataset
    from captioner.training import evaluate

    size = replace(FULL, context=args.context or FULL.context, cell=args.cell or FULL.cell)
    pictures = args.steps * size.batch_size
    started = time.perf_counter()
    splits = make_synthetic_dataset(pictures, size.val_images, 0, image_size=size.encoder.picture.size,
                                    seed=0)
    data_seconds = time.perf_counter() - started
    train = canonical_data(splits["train"])
    step, captioner, vocabulary = training_step(size, train)
    val = canonical_data(splits["val"])
    order = numpy.arange(len(train))
    step(order[: size.batch_size])  # warm up: first-touch allocations stay out of the profile

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for k in range(1, args.steps):
        step(order[k * size.batch_size : (k + 1) * size.batch_size])
    profiler.disable()
    step_seconds = (time.perf_counter() - started) / (args.steps - 1)
    totals = layer_totals(pstats.Stats(profiler).stats)
    profiled = sum(totals.values())

    started = time.perf_counter()
    evaluate(captioner, val, vocabulary, 16)
    validation_seconds = time.perf_counter() - started

    print(f"decoder: {size.cell}, {size.context}; {size.batch_size} pictures a step; "
          f"{step_seconds * 1000:.0f} ms a step ({args.steps - 1} steps)")
    print("| part of a training step | ms | share |")
    print("|---|---|---|")
    for group, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        share = seconds / profiled
        print(f"| {group} | {share * step_seconds * 1000:.1f} | {share:.0%} |")
    print(f"making {pictures + size.val_images} synthetic pictures: {data_seconds:.1f} s "
          f"({data_seconds / (pictures + size.val_images) * 1000:.2f} ms each)")
    print(f"greedy decoding of {size.val_images} validation pictures: {validation_seconds:.1f} s")
    print(f"(script: {Path(__file__).name})")


if __name__ == "__main__":
    main()
