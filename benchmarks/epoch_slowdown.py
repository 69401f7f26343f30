"""Does a demo training step cost more late in training than early? The suspects, measured.

    python benchmarks/epoch_slowdown.py [--checkpoint runs/demo/checkpoint.npz] [--repeats 20]

Compares, on the same batch of 32 training pictures, a freshly initialised demo captioner with
a trained one (a demo run's checkpoint, whose Adam moments come along; by default the shipped
model, whose optimizer starts fresh). For each part of an epoch it reports the median
processor time (one BLAS thread, the two models taking turns so that the machine's load falls
on both alike):

- the loss's forward and backward pass (where subnormal floats would slow the arithmetic:
  numbers below 1.2e-38 in float32, which many processors handle far more slowly);
- the Adam step with the model's own gradients and moments;
- validation: greedy decoding of the batch's pictures and BLEU (a trained model writes
  captions of other lengths).

It also counts the subnormal numbers in the parameters, the gradients and Adam's moments.
"""

import argparse
import time
from pathlib import Path

from common import describe_machine, reexec_without_blas_overrides


def subnormals(arrays):
    """How many of the arrays' entries are subnormal (nonzero and smaller than float32's tiny)."""
    import numpy

    tiny = numpy.finfo(numpy.float32).tiny
    return sum(int(numpy.count_nonzero((a != 0) & (numpy.abs(a) < tiny))) for a in arrays)


def main():
    reexec_without_blas_overrides()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(describe_machine(1))

    import numpy
    from demo_setup import canonical_data, demo_captioner

    from captioner.checkpoint import load_checkpoint
    from captioner.demo import FULL, SHIPPED_MODEL
    from captioner.synthetic import make_split
    from captioner.training import captions_of, evaluate
    from captioner.vocabulary import trim_padding
    from numerics.optim import Adam, clip_by_global_norm

    trained_checkpoint = load_checkpoint(args.checkpoint or SHIPPED_MODEL)
    vocabulary = trained_checkpoint.vocabulary
    train = canonical_data(make_split("train", 32, FULL.encoder.picture.size, seed=7))
    image_index, caption_ids = train.caption_pairs(vocabulary, 16)
    first_caption = numpy.searchsorted(image_index, numpy.arange(len(train) + 1))
    rows, image_of_caption = captions_of(numpy.arange(len(train)), first_caption)
    inputs, captions = train.batch(numpy.arange(len(train))), trim_padding(caption_ids[rows])

    models = {"fresh": demo_captioner(FULL, vocabulary), "trained": trained_checkpoint.captioner}
    optimizers = {}
    for name, captioner in models.items():
        captioner.loss(inputs, captions, image_of_caption)
        optimizers[name] = Adam({k: v.copy() for k, v in captioner.params.items()})
        optimizers[name].step(captioner.grads)
    if trained_checkpoint.optimizer_state.get("kind") == "Adam":
        optimizers["trained"].load_state_dict(trained_checkpoint.optimizer_state)

    def loss(name):
        models[name].loss(inputs, captions, image_of_caption)

    def adam(name):
        grads = {k: g.copy() for k, g in models[name].grads.items()}
        clip_by_global_norm(grads, 5.0)
        optimizers[name].step(grads)

    def validation(name):
        evaluate(models[name], train, vocabulary, 16)

    print(f"trained: {args.checkpoint or SHIPPED_MODEL}; median processor ms over {args.repeats} turns")
    print("| part | fresh | trained | trained / fresh |")
    print("|---|---|---|---|")
    for part in (loss, adam, validation):
        times = {name: [] for name in models}
        for _ in range(args.repeats):
            for name in models:
                started = time.process_time()
                part(name)
                times[name].append(time.process_time() - started)
        fresh, trained = (float(numpy.median(times[name])) * 1000 for name in models)
        print(f"| {part.__name__} | {fresh:.1f} | {trained:.1f} | {trained / fresh:.2f} |")
    for name, captioner in models.items():
        moments = [*optimizers[name].first_moment.values(), *optimizers[name].second_moment.values()]
        print(f"{name}: subnormal numbers in parameters {subnormals(captioner.params.values())}, gradients "
              f"{subnormals(captioner.grads.values())}, Adam moments {subnormals(moments)} "
              f"(of {sum(int(m.size) for m in moments):,})")
    print(f"(script: {Path(__file__).name})")


if __name__ == "__main__":
    main()
