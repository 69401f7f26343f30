"""Caption-decoder training throughput at Flickr8k scale, against the same decoder in PyTorch.

    python benchmarks/decoder_training_speed.py [--threads 2 --repeats 10]

One training step of the decoder on cached 2048-d image features: initial-state affine,
word embedding (256), LSTM (512), vocabulary affine (3000 words), masked softmax loss,
backward, Adam update. Batch 64, captions of up to 20 words (lengths drawn from 8 to 20,
so padding is real). Reports tokens per second (non-padding target words) and the implied
minutes per Flickr8k epoch (6000 training images x 5 captions), and the same for an
equivalent torch model (nn.Linear, nn.Embedding, nn.LSTM, nn.Linear, cross-entropy with the
padding ignored, torch.optim.Adam) in the same process with the same threads.
"""

import argparse
import os

from common import describe_machine, median_seconds, reexec_without_blas_overrides, torch_or_none

FLICKR8K_TRAINING_CAPTIONS = 6000 * 5


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocabulary", type=int, default=3000)
    parser.add_argument("--embedding", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--keep-blas-overrides", action="store_true")
    return parser.parse_args()


def make_batch(args):
    """features (B, 2048) float32, captions (B, L + 2) int64 with <start>=1, <end>=2, <pad>=0."""
    import numpy

    rng = numpy.random.default_rng(0)
    features = rng.standard_normal((args.batch, 2048)).astype(numpy.float32)
    captions = numpy.zeros((args.batch, args.max_length + 2), dtype=numpy.int64)
    for row, length in enumerate(rng.integers(8, args.max_length + 1, args.batch)):
        captions[row, : length + 2] = [1, *rng.integers(4, args.vocabulary, length), 2]
    return features, captions


def time_project(args, features, captions):
    from captioner.decoder import CaptionDecoder, DecoderConfig
    from numerics.optim import Adam

    decoder = CaptionDecoder(DecoderConfig(args.vocabulary, 2048, args.embedding, args.hidden))
    optimizer = Adam(decoder.params, 1e-3)

    def step():
        decoder.loss(features, captions)
        optimizer.step(decoder.grads)

    return median_seconds(step, args.repeats)


def time_torch(torch, args, features, captions):
    nn = torch.nn
    H = args.hidden
    init = nn.Linear(2048, 2 * H)
    embed = nn.Embedding(args.vocabulary, args.embedding)
    lstm = nn.LSTM(args.embedding, H, batch_first=True)
    vocab = nn.Linear(H, args.vocabulary)
    modules = nn.ModuleList([init, embed, lstm, vocab])
    optimizer = torch.optim.Adam(modules.parameters(), 1e-3)
    features, captions = torch.from_numpy(features), torch.from_numpy(captions)

    def step():
        optimizer.zero_grad()
        h0, c0 = init(features).chunk(2, dim=1)
        hidden, _ = lstm(embed(captions[:, :-1]), (h0[None].contiguous(), c0[None].contiguous()))
        scores = vocab(hidden)
        loss = nn.functional.cross_entropy(scores.reshape(-1, args.vocabulary), captions[:, 1:].reshape(-1),
                                           ignore_index=0, reduction="sum") / captions.shape[0]
        loss.backward()
        optimizer.step()

    return median_seconds(step, args.repeats)


def report(name, seconds, tokens, batch):
    minutes = FLICKR8K_TRAINING_CAPTIONS / batch * seconds / 60
    print(f"  {name:10s} {seconds * 1e3:7.1f} ms/step  {tokens / seconds:8.0f} tokens/s  "
          f"{minutes:5.1f} min per Flickr8k epoch")


def main():
    args = parse_arguments()
    if not args.keep_blas_overrides:
        reexec_without_blas_overrides()
    print(describe_machine(args.threads))
    features, captions = make_batch(args)
    tokens = int((captions[:, 1:] != 0).sum())
    print(f"decoder training step: V={args.vocabulary} E={args.embedding} H={args.hidden} "
          f"batch {args.batch}, {tokens} target tokens (up to {args.max_length} words + <end>)")
    ours = time_project(args, features, captions)
    report("project", ours, tokens, args.batch)
    torch = torch_or_none(args.threads)
    if torch is None:
        print("  torch not installed: pip install torch==2.13.0 to compare")
        return
    reference = time_torch(torch, args, features, captions)
    report("torch", reference, tokens, args.batch)
    print(f"  ratio project / torch: {ours / reference:.2f}x")


if __name__ == "__main__":
    main()
