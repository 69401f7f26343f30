"""One process against several: the demo's training step with each batch shared out between
processes (captioner.data_parallel).

    python benchmarks/data_parallel_speed.py [--workers 2] [--threads 2] [--rounds 8] [--steps 20]

Times the demo's own training step (its model, data and batch, Adam and clipping included) done
by one process with --threads BLAS threads, and by --workers processes with one thread each.
The two take turns, a round of --steps steps each on the same pictures, and each keeps its
median round, so that a change in the machine's load falls on both alike. Prints each one's
milliseconds a step and the ratio.
"""

import argparse
import time
from pathlib import Path

from common import describe_machine, reexec_without_blas_overrides


def main():
    reexec_without_blas_overrides()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads of the single process")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20, help="steps in each round")
    args = parser.parse_args()
    print(describe_machine(args.threads))

    import numpy
    from demo_setup import canonical_data, training_step
    from threadpoolctl import threadpool_limits

    from captioner.demo import FULL
    from captioner.synthetic import make_split

    batch = FULL.batch_size
    split = make_split("train", (args.rounds * args.steps + 1) * batch, FULL.encoder.picture.size, seed=1)
    train = canonical_data(split)
    batches = numpy.arange(len(train)).reshape(-1, batch)
    single, *_ = training_step(FULL, train)
    shared, *_ = training_step(FULL, train, workers=args.workers)  # from here this process has 1 thread
    times = {"one process": [], f"{args.workers} processes": []}
    with threadpool_limits(args.threads):
        single(batches[0])  # first-touch allocations stay out of the timing
    shared(batches[0])
    for round_ in range(args.rounds):
        for seconds, step in zip(times.values(), (single, shared)):
            with threadpool_limits(args.threads if step is single else 1):
                started = time.perf_counter()
                for images in batches[1 + round_ * args.steps : 1 + (round_ + 1) * args.steps]:
                    step(images)
                seconds.append((time.perf_counter() - started) / args.steps)
    medians = {name: float(numpy.median(seconds)) for name, seconds in times.items()}
    print(f"the demo's training step, {batch} pictures, median of {args.rounds} rounds "
          f"of {args.steps} steps:")
    print("| | ms a step | rounds (ms) |")
    print("|---|---|---|")
    for name, seconds in times.items():
        threads = args.threads if name == "one process" else 1
        rounds = ", ".join(f"{s * 1000:.0f}" for s in seconds)
        print(f"| {name}, {threads} BLAS thread{'s' if threads > 1 else ''} each | "
              f"{medians[name] * 1000:.1f} | {rounds} |")
    one, many = medians.values()
    print(f"{args.workers} processes / one: {many / one:.2f}x the time")
    print(f"(script: {Path(__file__).name})")


if __name__ == "__main__":
    main()
