"""The decoder's choices compared at equal training time, on the demo's synthetic pictures.

    python benchmarks/decoder_comparison.py [--minutes 3] [--threads 1] [--epochs 6]
                                            [--choices lstm:pooled,lstm:attention,gru:pooled,gru:attention]

For each choice of cell (LSTM, GRU) and context (one pooled vector, attention over the grid),
short runs, the choices taking turns, first measure its processor seconds per training
picture; then the demo trains it end to end (python -m captioner demo's model, data and
schedule) on as many pictures as fill the same number of processor minutes, and scores it on
the same 500 test pictures: BLEU-4, CIDEr-D, objects whose colour and shape the caption names
(overall and in three-object pictures), parameters, and the processor and wall seconds it
really took.

The budget is processor time (time.process_time, one BLAS thread by default) rather than wall
time: on a machine shared with other work, wall time depends on the load, which changes between
one choice's run and the next; the processor time a run needs hardly does.
"""

import argparse
import tempfile
import time
from dataclasses import replace

from common import describe_machine, reexec_without_blas_overrides

CALIBRATION_ROUNDS = 6  # each choice times CALIBRATION_STEPS steps per round, the choices in turn
CALIBRATION_STEPS = 3


def seconds_per_picture(sizes):
    """{choice: (processor seconds per training picture, parameters)} for {choice: DemoSize}.

    The choices take turns, a few steps each per round, and each keeps its median round: a
    change in the machine's load then falls on all of them alike, and the ratios between
    them, which decide how many pictures each gets, hold.
    """
    import numpy
    from demo_setup import canonical_data, training_step

    from captioner.synthetic import make_split

    runs = {}
    for choice, size in sizes.items():
        count = (CALIBRATION_ROUNDS * CALIBRATION_STEPS + 1) * size.batch_size
        split = make_split("train", count, size.encoder.picture.size, seed=1)
        step, captioner, _ = training_step(size, canonical_data(split))
        batches = numpy.arange(len(split)).reshape(-1, size.batch_size)
        step(batches[0])  # first-touch allocations stay out of the timing
        runs[choice] = (step, batches[1:], [], sum(int(value.size) for value in captioner.params.values()))
    for round_ in range(CALIBRATION_ROUNDS):
        for step, batches, times, _ in runs.values():
            started = time.process_time()
            for images in batches[round_ * CALIBRATION_STEPS : (round_ + 1) * CALIBRATION_STEPS]:
                step(images)
            times.append((time.process_time() - started) / (CALIBRATION_STEPS * batches.shape[1]))
    return {choice: (float(numpy.median(times)), parameters)
            for choice, (_, _, times, parameters) in runs.items()}


def main():
    reexec_without_blas_overrides()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="processor time given to each decoder's training")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=6, help="passes over each decoder's pictures")
    parser.add_argument("--choices", default="lstm:pooled,lstm:attention,gru:pooled,gru:attention")
    args = parser.parse_args()
    print(describe_machine(args.threads))

    from captioner.demo import FULL, run_demo

    sizes = {}
    for choice in args.choices.split(","):
        cell, context = choice.split(":")
        size = replace(FULL, cell=cell, context=context, blind_epochs=0, epochs=args.epochs)
        if context == "pooled":  # one vector per picture: the 2 x 2 grid's cells side by side
            size = replace(size, encoder=replace(size.encoder, grid=2))
        sizes[choice] = size
    costs = seconds_per_picture(sizes)
    rows = []
    for choice, size in sizes.items():
        per_picture, parameters = costs[choice]
        pictures = int(args.minutes * 60 / per_picture / args.epochs)
        size = replace(size, train_images=pictures)
        with tempfile.TemporaryDirectory() as folder:
            metrics = run_demo(folder, size=size, progress=False, log=lambda message: None)
        by_count = metrics["colour_shape_named_by_object_count"]
        rows.append((f"{size.cell}, {size.context}", parameters, pictures, per_picture,
                     metrics["training_cpu_seconds"], metrics["training_seconds"], metrics["test_bleu"][4],
                     metrics["test_cider"], metrics["colour_shape_named"], by_count.get("3", float("nan"))))
        print(f"{choice}: done ({metrics['training_cpu_seconds']:.0f} processor seconds)", flush=True)
    print(f"\nequal training time: {args.minutes} processor minutes ({args.threads} thread), {args.epochs} "
          f"epochs over as many pictures as fit")
    print("| decoder | parameters | ms per picture (calibration) | training pictures | processor seconds "
          "(wall) | BLEU-4 | CIDEr-D | objects named | in 3-object pictures |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, parameters, pictures, per_picture, cpu_seconds, seconds, bleu, cider, named, named3 in rows:
        print(f"| {name} | {parameters:,} | {per_picture * 1000:.2f} | {pictures:,} | {cpu_seconds:.0f} "
              f"({seconds:.0f}) | {bleu:.3f} | {cider:.2f} | {named:.1%} | {named3:.1%} |")


if __name__ == "__main__":
    main()
