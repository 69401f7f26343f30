"""The caption decoder: image features in, word scores out, forward and backward by hand.

    features --start--> the cell's starting state (and what the context keeps of the picture)
    words (N, T) --embedding--> (N, T, E) --the context's walk through the cell--> top (N, T, O)
        --affine--> scores (N, T, V)
    loss = masked softmax cross-entropy of the scores against the next words (teacher forcing)

Two choices are made here, from the config, and nowhere else: the recurrent cell (captioner.cells:
the LSTM, or the GRU) and how the picture is seen (captioner.image_context: one pooled vector, or
attention over a grid of cells). Each brings its own parameters; `forward` is the one sequence
pass that the loss, the gate pictures and inspection all use, and `step` shares its pieces.

The features come from a ResNet: frozen ResNet50 vectors computed once and cached, or a small
ResNet trained together with this decoder (captioner.model), which is why `loss` also returns
the gradient of the features.
"""

from dataclasses import asdict, dataclass

import numpy

from captioner.cells import cell_named, scaled_normal
from captioner.image_context import context_named
from captioner.vocabulary import PAD_ID, START_ID
from lstm import (
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)
from numerics import check_shape, selected, to_device, to_host


@dataclass(frozen=True)
class DecoderConfig:
    """V words, F-dimensional image features, E-dimensional embeddings, H units; the cell and context."""

    vocabulary_size: int
    feature_size: int = 2048
    embedding_size: int = 256
    hidden_size: int = 512
    dtype: str = "float32"
    cell: str = "lstm"  # "lstm" or "gru"
    context: str = "pooled"  # "pooled": one vector per picture; "attention": a grid of cells
    attention_penalty: float = 1.0  # lambda of attention's doubly stochastic penalty

    def to_dict(self):
        return asdict(self)


class CaptionDecoder:
    """Holds `params` and `grads` (dicts with the same keys); the functions do the work."""

    def __init__(self, config, seed=0, xp=None):
        xp = xp or selected()
        rng = numpy.random.default_rng(seed)
        V, E, H = config.vocabulary_size, config.embedding_size, config.hidden_size
        dtype = numpy.dtype(config.dtype)
        self.config = config
        self.cell = cell_named(config.cell)
        self.context = context_named(config.context)(self.cell, config.feature_size, E, H,
                                                     config.attention_penalty)
        self.params = self.context.params(rng, xp, dtype)
        self.params["W_embed"] = xp.asarray(rng.standard_normal((V, E)) * 0.1, dtype=dtype)
        self.params.update(self.cell.params(self.context.input_size, H, rng, xp, dtype))
        top = self.context.top_size
        self.params["W_vocab"] = scaled_normal(rng, (top, V), top, xp, dtype)
        self.params["b_vocab"] = xp.zeros(V, dtype=dtype)
        self.grads = {name: xp.zeros_like(value) for name, value in self.params.items()}

    def forward(self, features, words):
        """Scores of every next word, reading `words` (teacher forcing).

        features: (N, F) pooled, or (N, L, F) a grid of cells for attention; words: (N, T) int ids.
        Returns scores (N, T, V) and a cache for backward (and for `recorded`).
        """
        check_shape("words", words, (features.shape[0], "T"))
        p = self.params
        state, start_cache = self.context.start(features, p)
        embedded, embed_cache = word_embedding_forward(words, p["W_embed"])
        top, run_cache = self.context.run(embedded, state, p)
        scores, output_cache = temporal_affine_forward(top, p["W_vocab"], p["b_vocab"])
        return scores, (start_cache, embed_cache, run_cache, output_cache)

    def backward(self, dscores, cache, dpenalty=None):
        """dscores: (N, T, V); dpenalty: the gradient from the context's penalty, if any.
        Fills self.grads; returns dfeatures, shaped like the features."""
        start_cache, embed_cache, run_cache, output_cache = cache
        g = self.grads
        dtop, g["W_vocab"], g["b_vocab"] = temporal_affine_backward(dscores, output_cache)
        dembedded, dstate, run_grads = self.context.run_backward(dtop, run_cache, dpenalty)
        g["W_embed"] = word_embedding_backward(dembedded, embed_cache)
        dfeatures, start_grads = self.context.start_backward(dstate, start_cache)
        g.update(run_grads)
        g.update(start_grads)
        return dfeatures

    def loss(self, features, captions):
        """Teacher-forced loss of the captions given the image features.

        features: as for forward; captions: (N, T + 1) int ids "<start> w1 ... <end> <pad>...".
        Returns loss (float) and dfeatures; fills self.grads.
        """
        check_shape("captions", captions, (features.shape[0], "T+1"))
        targets = captions[:, 1:]
        mask = targets != PAD_ID
        scores, cache = self.forward(features, captions[:, :-1])
        loss, dscores = temporal_softmax_loss(scores, targets, mask)
        penalty, dpenalty = self.context.penalty(cache[2], mask)
        return loss + float(penalty), self.backward(dscores, cache, dpenalty)

    def recorded(self, cache):
        """Every activation of a forward pass, per step: {'i', 'f', 'g', 'o', 'c', 'h', ...}: (N, T, H)."""
        return self.context.recorded(cache[2])

    def read_caption(self, features, word_ids):
        """Every gate's activation while the decoder reads one caption, word by word.

        features: one picture's, (1, F) or (1, L, F); word_ids: the caption's ids, without <start>.
        Returns {name: host array (len(word_ids) + 1, ...)}: row t holds the step that reads
        <start> (t = 0) or word t, and predicts the next word; with attention, 'alpha' (.., L)
        is where the step looked.
        """
        words = to_device(numpy.asarray([[START_ID, *word_ids]], dtype=numpy.int64), like=features)
        _, cache = self.forward(features, words)
        return {name: to_host(value[0]) for name, value in self.recorded(cache).items()}

    def start(self, features):
        """The decoding state before the first word. features: as for forward."""
        state, _ = self.context.start(features, self.params)
        return state

    def step(self, words, state):
        """One decoding step. words: (N,) int ids; state: from start or the last step.

        Returns scores (N, V), the next state, and the step's activations {name: (N, ...)}.
        """
        p = self.params
        embedded, _ = word_embedding_forward(words[:, None], p["W_embed"])
        top, state, activations = self.context.step(embedded[:, 0], state, p)
        scores, _ = temporal_affine_forward(top[:, None], p["W_vocab"], p["b_vocab"])
        return scores[:, 0], state, activations

