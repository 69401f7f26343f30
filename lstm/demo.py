"""A toy task that needs memory: recall the first symbol after a gap.

Each sequence starts with one of `n_symbols` symbols, then `gap` random
distractor tokens, then a query token; at the query the model must output the
first symbol. Nothing between them helps, so the network has to carry the
symbol across the whole gap. A vanilla RNN manages short gaps; the gated cells,
the GRU and the LSTM, keep going much further (the LSTM's cell state and the
GRU's update gate are "transport highways").

The demo trains the three cells at each gap and prints them side by side: the
recurrent layer's parameters, test accuracy by gap, the time of a training step,
and how much of the gradient reaches back through time before training.

    python -m lstm demo [--gap 5 20 --steps 1500 --cell all|rnn|gru|lstm]
"""

import argparse
import functools
import time

import numpy as np

from lstm.embedding import word_embedding_backward, word_embedding_forward
from lstm.gradient_reach import gradient_reaching_back, mean_norm
from lstm.gru_layout import gru_gate_block
from lstm.gru_sequence import gru_backward, gru_forward
from lstm.rnn import rnn_backward, rnn_forward
from lstm.sequence import lstm_backward, lstm_forward
from lstm.softmax_loss import temporal_softmax_loss
from lstm.temporal_affine import temporal_affine_backward, temporal_affine_forward
from numerics import array_module, selected, to_device
from numerics.optim import Adam, clip_by_global_norm

# cell: (sequence forward, its backward, gate blocks in Wx, names of the bias arguments)
CELLS = {
    "rnn": (rnn_forward, rnn_backward, 1, ("b",)),
    "gru": (gru_forward, gru_backward, 3, ("bx", "bh")),
    "lstm": (lstm_forward, lstm_backward, 4, ("b",)),
}
CELL_ORDER = ("rnn", "gru", "lstm")
GAPS = (5, 20)  # the RNN learns the first, only the gated cells the second


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
    """Embedding -> recurrent layer (RNN, GRU or LSTM) -> affine scores at every step."""

    def __init__(self, cell, n_symbols, hidden_size=32, embedding_size=16, seed=0, xp=None, dtype=np.float32):
        xp = xp or selected()
        rng = np.random.default_rng(seed)
        self.cell = cell
        vocabulary = 2 * n_symbols + 1
        _, _, blocks, bias_names = CELLS[cell]

        def init(*shape, scale):
            return xp.asarray(rng.standard_normal(shape) * scale, dtype=dtype)

        self.params = {
            "W_embed": init(vocabulary, embedding_size, scale=1.0),
            "Wx": init(embedding_size, blocks * hidden_size, scale=embedding_size**-0.5),
            "Wh": init(hidden_size, blocks * hidden_size, scale=hidden_size**-0.5),
            **{name: xp.zeros(blocks * hidden_size, dtype=dtype) for name in bias_names},
            "W_out": init(hidden_size, n_symbols, scale=hidden_size**-0.5),
            "b_out": xp.zeros(n_symbols, dtype=dtype),
        }
        # Start by remembering: a forget-gate bias of 1 (LSTM), an update-gate bias of 1 (GRU).
        if cell == "lstm":
            self.params["b"][hidden_size : 2 * hidden_size] = 1.0
        if cell == "gru":
            gru_gate_block(self.params["bx"], "z")[:] = 1.0

    def biases(self):
        """The recurrent layer's bias arguments, in its order: (b,), or (bx, bh) for the GRU."""
        return tuple(self.params[name] for name in CELLS[self.cell][3])

    def recurrent_parameter_count(self):
        """How many numbers the recurrent layer learns: Wx, Wh and its biases."""
        return sum(int(self.params[name].size) for name in ("Wx", "Wh", *CELLS[self.cell][3]))

    def initial_state(self, batch_size):
        """The recurrent layer's h0: zeros (batch_size, H) of the parameters' dtype and backend."""
        Wh = self.params["Wh"]
        return array_module(Wh).zeros((batch_size, Wh.shape[0]), dtype=Wh.dtype)

    def scores(self, tokens):
        """tokens: (N, T) int. Returns scores (N, T, n_symbols) and the layers' caches."""
        p = self.params
        forward = CELLS[self.cell][0]
        embedded, embed_cache = word_embedding_forward(tokens, p["W_embed"])
        h0 = self.initial_state(tokens.shape[0])
        hidden, cell_cache = forward(embedded, h0, p["Wx"], p["Wh"], *self.biases())
        scores, affine_cache = temporal_affine_forward(hidden, p["W_out"], p["b_out"])
        return scores, (embed_cache, cell_cache, affine_cache)

    def loss(self, tokens, targets, mask):
        """tokens, targets: (N, T) int; mask: (N, T) bool. Returns loss, grads (keyed like params)."""
        scores, (embed_cache, cell_cache, affine_cache) = self.scores(tokens)
        loss, dscores = temporal_softmax_loss(scores, targets, mask)
        _, backward, _, bias_names = CELLS[self.cell]
        grads = {}
        dhidden, grads["W_out"], grads["b_out"] = temporal_affine_backward(dscores, affine_cache)
        dembedded, _, grads["Wx"], grads["Wh"], *dbiases = backward(dhidden, cell_cache)
        grads.update(zip(bias_names, dbiases, strict=True))
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
        biases = self.biases()
        b = biases if self.cell == "gru" else biases[0]
        return gradient_reaching_back(self.cell, embedded, h0, p["Wx"], p["Wh"], b, dh_last)

    def accuracy(self, tokens, targets, mask):
        """Share of query positions where the highest score is the right symbol.

        The batch may be on the host (recall_batch's default) or on the model's device.
        """
        scores, _ = self.scores(tokens)
        predicted = scores.argmax(axis=2)[mask]
        return float((predicted == to_device(targets[mask], like=predicted)).mean())


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


def trained_model(cell, gap, steps, seed=0, report=None):
    """Run train() to the end. report(step, loss), if given, hears every 250 steps.

    Returns the model and the mean wall time of one training step, in seconds.
    """
    start = time.perf_counter()
    training = train(cell, gap, steps, seed=seed)
    try:
        while True:
            step, loss = next(training)
            if report is not None:
                report(step, loss)
    except StopIteration as finished:
        return finished.value, (time.perf_counter() - start) / steps


def recall_accuracy(model, gap, seed=0, n_symbols=8):
    """The model's recall accuracy on 1000 fresh sequences with `gap` distractors."""
    test = recall_batch(np.random.default_rng(10_000 + seed), 1000, gap, n_symbols,
                        array_module(model.params["Wx"]))
    return model.accuracy(*test)


def gradient_through_time(cell, steps=40, seed=0):
    """How much of the last step's gradient reaches each earlier input of an untrained model.

    A RecallModel as the demo initialises it (float64) reads 32 recall sequences of `steps`
    tokens; the loss reads only the last hidden state (RecallModel.gradient_reaching_back).
    Returns a host array (steps,): the mean norm of dL/dx_t over the batch, divided by that
    of the last input, so entry 0 is what is left after steps - 1 steps back.
    """
    model = RecallModel(cell, 8, seed=seed, dtype=np.float64)
    tokens, _, _ = recall_batch(np.random.default_rng(seed), 32, steps - 2, 8,
                                array_module(model.params["Wx"]))
    sizes = mean_norm(model.gradient_reaching_back(tokens, np.random.default_rng(seed + 1))["x"])
    return sizes / sizes[-1]


def compare_cells(cells=CELL_ORDER, gaps=GAPS, steps=1500, seed=0, report=None):
    """The RNN, the GRU and the LSTM side by side on the recall task.

    Each cell is trained from the same seed for `steps` steps at each gap and tested at it.
    report, if given, hears the training as it goes: report(cell, gap, step, loss) every 250
    steps, then report(cell, gap, None, test accuracy).
    Returns {cell: {"parameters": the recurrent layer's count, "accuracy": {gap: share right},
    "seconds_per_step": {gap: mean wall time of a training step}, "gradient":
    gradient_through_time(cell) (40,), "models": {gap: the trained RecallModel}}}.
    """
    results = {}
    for cell in cells:
        result = {"accuracy": {}, "seconds_per_step": {}, "models": {},
                  "gradient": gradient_through_time(cell, seed=seed)}
        for gap in gaps:
            hear = None if report is None else functools.partial(report, cell, gap)
            model, result["seconds_per_step"][gap] = trained_model(cell, gap, steps, seed, hear)
            result["models"][gap] = model
            result["accuracy"][gap] = recall_accuracy(model, gap, seed)
            if report is not None:
                report(cell, gap, None, result["accuracy"][gap])
        result["parameters"] = model.recurrent_parameter_count()
        results[cell] = result
    return results


def side_by_side_table(results):
    """The lines of compare_cells' answer as a table, one row per cell."""
    gaps = list(next(iter(results.values()))["accuracy"])
    longest = max(gaps)
    lines = ["  cell  parameters  " + "  ".join(f"gap {gap:2d}" for gap in gaps)
             + f"  ms/step (gap {longest})  gradient 39 steps back"]
    for cell, result in results.items():
        accuracy = "  ".join(f"{result['accuracy'][gap]:6.0%}" for gap in gaps)
        lines.append(f"  {cell:4s}  {result['parameters']:10,d}  {accuracy}  "
                     f"{result['seconds_per_step'][longest] * 1e3:16.1f}  {result['gradient'][0]:22.0e}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lstm demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gap", type=int, nargs="+", default=list(GAPS),
                        help="distractor tokens between symbol and query; several: train at each")
    parser.add_argument("--steps", type=int, default=1500, help="training steps (batches of 64)")
    parser.add_argument("--cell", choices=("all", *CELL_ORDER), default="all")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n_symbols = 8
    gaps = " and ".join(str(gap) for gap in args.gap)
    print(f"Recall the first of {n_symbols} symbols after a gap of {gaps} tokens "
          f"(chance: {1 / n_symbols:.0%}, loss at chance: {np.log(n_symbols):.2f})")

    def report(cell, gap, step, value):
        if step is None:
            print(f"  {cell:4s} test accuracy {value:.1%} at gap {gap}")
        else:
            print(f"  {cell:4s} gap {gap:2d} step {step:4d}  loss {value:.3f}")

    started = time.perf_counter()
    cells = CELL_ORDER if args.cell == "all" else (args.cell,)
    results = compare_cells(cells, args.gap, args.steps, args.seed, report)
    print(f"Side by side ({time.perf_counter() - started:.0f} s in all): the recurrent layer's parameters "
          "(input 16, hidden 32), test accuracy by gap,\nthe time of a training step (batch 64), and the "
          "share of the last step's gradient that reaches 39 steps back before training")
    print("\n".join(side_by_side_table(results)))
