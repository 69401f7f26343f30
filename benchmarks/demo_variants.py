"""The demo's training with one thing changed: what a cheaper picture or decoder costs in quality.

    python benchmarks/demo_variants.py [--stem torchvision] [--stem-width 32] [--cell gru]
                                       [--picture 32] [--hidden 128] [--train-images 12500]
                                       [--epochs 8] [--learning-rate 3e-3] [--batch-size 16]
                                       [--threads 2]

Trains python -m captioner demo's captioner (its data, schedule and test split; no blind
baseline) with the given changes, and prints one row: the wall milliseconds of training per
picture seen, the training seconds, the validation BLEU-4 after each epoch, and the test
BLEU-4 and objects named (overall and in three-object pictures). --stem torchvision gives the
small ResNet torchvision's stem (a 7x7 convolution of stride 2, then max pooling) instead of the
demo's 4x4 patches. A smaller picture shrinks the encoder's grid with it: either stem and the
two stride-2 stages divide the side by 16, so 64 gives a 4 x 4 grid, 48 a 3 x 3 and 32 a 2 x 2.
"""

import argparse
import tempfile
from dataclasses import replace

from common import describe_machine, reexec_without_blas_overrides

ENCODER_STRIDE = 16  # the small ResNet's last map is the picture's side / 16


def main():
    reexec_without_blas_overrides()
    from captioner.demo import FULL, run_demo
    from resnet.model import STEM_KERNEL, STEM_STRIDE

    # The demo's own stem (4x4 patches), or the one torchvision's ResNets begin with.
    stem_options = ("stem_kernel", "stem_stride", "stem_pool")
    stems = {"patches": {name: FULL.encoder.resnet[name] for name in stem_options},
             "torchvision": {"stem_kernel": STEM_KERNEL, "stem_stride": STEM_STRIDE, "stem_pool": True}}

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", default=FULL.cell, choices=("lstm", "gru"))
    parser.add_argument("--context", default=FULL.context, choices=("attention", "pooled"))
    parser.add_argument("--stem", default="patches", choices=tuple(stems))
    parser.add_argument("--stem-width", type=int, default=FULL.encoder.resnet["stem_width"])
    parser.add_argument("--picture", type=int, default=FULL.encoder.picture.size, help="side in pixels")
    parser.add_argument("--hidden", type=int, default=FULL.hidden_size)
    parser.add_argument("--train-images", type=int, default=FULL.train_images)
    parser.add_argument("--epochs", type=int, default=FULL.epochs)
    parser.add_argument("--learning-rate", type=float, default=FULL.learning_rate)
    parser.add_argument("--batch-size", type=int, default=FULL.batch_size)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.picture % ENCODER_STRIDE:
        parser.error(f"--picture must be a multiple of {ENCODER_STRIDE}, got {args.picture}")
    print(describe_machine(args.threads))

    picture = replace(FULL.encoder.picture, size=args.picture)
    size = replace(FULL, cell=args.cell, context=args.context, hidden_size=args.hidden,
                   train_images=args.train_images, epochs=args.epochs, learning_rate=args.learning_rate,
                   batch_size=args.batch_size, blind_epochs=0,
                   encoder=replace(FULL.encoder, picture=picture, grid=args.picture // ENCODER_STRIDE,
                                   resnet={**FULL.encoder.resnet, **stems[args.stem],
                                           "stem_width": args.stem_width}))
    with tempfile.TemporaryDirectory() as folder:
        metrics = run_demo(folder, size=size, progress=False, log=lambda message: None)
    seen = size.train_images * size.epochs
    per_epoch = ", ".join(f"{record['val_bleu'][4]:.3f}" for record in metrics["history"])
    print("| stem (width) | cell, context | picture | hidden | pictures x epochs | batch | learning rate | "
          "ms per picture | training s | validation BLEU-4 by epoch | test BLEU-4 | objects named | "
          "in 3-object pictures |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.stem} ({args.stem_width}) | {size.cell}, {size.context} | {args.picture} | "
          f"{args.hidden} | "
          f"{size.train_images:,} x {size.epochs} | {size.batch_size} | {size.learning_rate:g} | "
          f"{metrics['training_seconds'] / seen * 1000:.2f} | "
          f"{metrics['training_seconds']:.0f} | {per_epoch} | {metrics['test_bleu'][4]:.3f} | "
          f"{metrics['colour_shape_named']:.1%} | "
          f"{metrics['colour_shape_named_by_object_count'].get('3', float('nan')):.1%} |")


if __name__ == "__main__":
    main()
