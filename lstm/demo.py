"""A toy task that needs memory: recall the first symbol after a gap.

Each sequence starts with one of `n_symbols` symbols, then `gap` random
distractor tokens, then a query token; at the query the model must output the
first symbol. Nothing between them helps, so the network has to carry the
symbol across the whole gap. A vanilla RNN manages short gaps; an LSTM keeps
going much further (its cell state is the "transport highway").

    python -m lstm demo [--gap 20 --steps 1500 --cell both]
"""

import argparse
import time

import numpy as np

from lstm.embedding import word_embedding_backward, word_embedding_forward
from lstm.gradient_reach import gradient_reaching_back
from lstm.rnn import rnn_backward, rnn_forward
from lstm.sequence import lstm_backward, lstm_forward
from lstm.softmax_loss import temporal_softmax_loss
from lstm.temporal_affine import temporal_affine_backward, temporal_affine_forward
from numerics import array_module, selected
from numerics.optim import Adam, clip_by_global_norm

CELLS = {"lstm": (lstm_forward, lstm_backward, 4), "rnn": (rnn_forward, rnn_backward, 1)}


def recall_batch(rng, batch_size, gap, n_symbols, xp=np):
    """A batch of the recall task.

    Token ids: 0..n_symbols-1 are the symbols, n_symbols..2n_symbols-1 the
    distractors, 2*n_symbols the query. Returns tokens (N, gap + 2) int64,
    targets (N, gap + 2) int64 and mask (N, gap + 2) bool, True only at the query.
    """
    symbols = rng.integers(0, n_symbols, batch_size)
    tokens = rng.integers(n_symbols, 2 * n_symbols, (batch_size, gap + 2))
    tokens[:, 0] = symbols
    tokens[:, -1] = 2 * n_symbols
    targets = np.zeros_like(tokens)
    targets[:, -1] = symbols
    mask = np.zeros(tokens.shape, dtype=bool)
    mask[:, -1] = True
    return xp.asarray(tokens), xp.asarray(targets), xp.asarray(mask)


class RecallModel:
    """Embedding -> recurrent layer (LSTM or RNN) -> affine scores at every step."""

    def __init__(self, cell, n_symbols, hidden_size=32, embedding_size=16, seed=0, xp=None, dtype=np.float32):
        xp = xp or selected()
        rng = np.random.default_rng(seed)
        self.cell = cell
        vocabulary = 2 * n_symbols + 1
        blocks = CELLS[cell][2]

        def init(*shape, scale):
            return xp.asarray(rng.standard_normal(shape) * scale, dtype=dtype)

        self.params = {
            "W_embed": init(vocabulary, embedding_size, scale=1.0),
            "Wx": init(embedding_size, blocks * hidden_size, scale=embedding_size**-0.5),
            "Wh": init(hidden_size, blocks * hidden_size, scale=hidden_size**-0.5),
            "b": xp.zeros(blocks * hidden_size, dtype=dtype),
            "W_out": init(hidden_size, n_symbols, scale=hidden_size**-0.5),
            "b_out": xp.zeros(n_symbols, dtype=dtype),
        }
        if cell == "lstm":  # start by remembering: a forget-gate bias of 1
            self.params["b"][hidden_size : 2 * hidden_size] = 1.0

    def initial_state(self, batch_size):
        """The recurrent layer's h0: zeros (batch_size, H) of the parameters' dtype and backend."""
        Wh = self.params["Wh"]
        return array_module(Wh).zeros((batch_size, Wh.shape[0]), dtype=Wh.dtype)

    def scores(self, tokens):
        """tokens: (N, T) int. Returns scores (N, T, n_symbols) and the layers' caches."""
        p = self.params
        forward, _, _ = CELLS[self.cell]
        embedded, embed_cache = word_embedding_forward(tokens, p["W_embed"])
        hidden, cell_cache = forward(embedded, self.initial_state(tokens.shape[0]), p["Wx"], p["Wh"], p["b"])
        scores, affine_cache = temporal_affine_forward(hidden, p["W_out"], p["b_out"])
        return scores, (embed_cache, cell_cache, affine_cache)

    def loss(self, tokens, targets, mask):
        """tokens, targets: (N, T) int; mask: (N, T) bool. Returns loss, grads (keyed like params)."""
        scores, (embed_cache, cell_cache, affine_cache) = self.scores(tokens)
        loss, dscores = temporal_softmax_loss(scores, targets, mask)
        _, backward, _ = CELLS[self.cell]
        grads = {}
        dhidden, grads["W_out"], grads["b_out"] = temporal_affine_backward(dscores, affine_cache)
        dembedded, _, grads["Wx"], grads["Wh"], grads["b"] = backward(dhidden, cell_cache)
        grads["W_embed"] = word_embedding_backward(dembedded, embed_cache)
        return loss, grads

    def gradient_reaching_back(self, tokens, rng):
        """lstm.gradient_reach.gradient_reaching_back of this model's recurrent layer on tokens.

        The loss reads only the last hidden state, through a random upstream gradient dh_last
        (N, H) drawn from rng (a numpy Generator). tokens: (N, T) int. Returns {"x": (N, T, E),
        "prev_h": (N, T, H)} and for the LSTM "prev_c": (N, T, H), E the embedding size.
        """
        p = self.params
        embedded, _ = word_embedding_forward(tokens, p["W_embed"])
        h0 = self.initial_state(tokens.shape[0])
        dh_last = array_module(h0).asarray(rng.standard_normal(h0.shape), dtype=h0.dtype)
        return gradient_reaching_back(self.cell, embedded, h0, p["Wx"], p["Wh"], p["b"], dh_last)

    def accuracy(self, tokens, targets, mask):
        """Share of query positions where the highest score is the right symbol."""
        scores, _ = self.scores(tokens)
        return float((scores.argmax(axis=2)[mask] == targets[mask]).mean())


def train(cell, gap, steps, n_symbols=8, batch_size=64, learning_rate=3e-3, seed=0, report_every=250):
    """Train a RecallModel; yields (step, loss) every report_every steps, returns the model."""
    model = RecallModel(cell, n_symbols, seed=seed)
    optimizer = Adam(model.params, learning_rate)
    rng = np.random.default_rng(seed + 1)
    xp = array_module(model.params["Wx"])
    for step in range(1, steps + 1):
        loss, grads = model.loss(*recall_batch(rng, batch_size, gap, n_symbols, xp))
        clip_by_global_norm(grads, 5.0)
        optimizer.step(grads)
        if step % report_every == 0 or step == 1:
            yield step, loss
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lstm demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gap", type=int, default=20, help="distractor tokens between symbol and query")
    parser.add_argument("--steps", type=int, default=1500, help="training steps (batches of 64)")
    parser.add_argument("--cell", choices=("lstm", "rnn", "both"), default="both")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n_symbols = 8
    print(f"Recall the first of {n_symbols} symbols after a gap of {args.gap} tokens "
          f"(chance: {1 / n_symbols:.0%}, loss at chance: {np.log(n_symbols):.2f})")
    cells = ("rnn", "lstm") if args.cell == "both" else (args.cell,)
    for cell in cells:
        start = time.perf_counter()
        training = train(cell, args.gap, args.steps, n_symbols, seed=args.seed)
        try:
            while True:
                step, loss = next(training)
                print(f"  {cell:4s} step {step:4d}  loss {loss:.3f}")
        except StopIteration as finished:
            model = finished.value
        test = recall_batch(np.random.default_rng(10_000 + args.seed), 1000, args.gap, n_symbols,
                            array_module(model.params["Wx"]))
        print(f"  {cell:4s} test accuracy {model.accuracy(*test):.1%} "
              f"({time.perf_counter() - start:.1f} s)")
