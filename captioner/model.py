"""The caption decoder: image features in, word scores out, forward and backward by hand.

    features (N, F) --affine--> [h0, c0] (N, 2H)          the image sets the LSTM's starting state
    features (N, F) --affine--> context (N, E)             and is shown again at every step:
    words (N, T) --embedding--> (N, T, E), each step's input is [word embedding, context] (N, T, 2E)
        --LSTM from (h0, c0)--> (N, T, H) --affine--> scores (N, T, V)
    loss = masked softmax cross-entropy of scores against the next words (teacher forcing)

Showing the image at every step spares the LSTM from carrying every detail of the picture in
its state from the first word to the last, and gives the image a short path for its gradient.

The features come from a ResNet: either frozen ResNet50 vectors computed once and cached, or a
small ResNet trained together with this decoder (captioner.end_to_end), which is why `loss` also
returns the gradient of the features.
"""

from dataclasses import asdict, dataclass

import numpy

from captioner.vocabulary import PAD_ID
from lstm import (
    lstm_backward_with_cell,
    lstm_forward_with_cell,
    lstm_step_forward_fused,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)
from numerics import array_module, check_shape, selected
from resnet.linear import linear_backward, linear_forward


@dataclass(frozen=True)
class DecoderConfig:
    """Sizes of the decoder: V words, F-dimensional image features, E-dimensional embeddings, H units."""

    vocabulary_size: int
    feature_size: int = 2048
    embedding_size: int = 256
    hidden_size: int = 512
    dtype: str = "float32"

    def to_dict(self):
        return asdict(self)


class CaptionDecoder:
    """Holds `params` and `grads` (dicts with the same keys); the functions do the work."""

    def __init__(self, config, seed=0, xp=None):
        xp = xp or selected()
        rng = numpy.random.default_rng(seed)
        V, F, E, H = config.vocabulary_size, config.feature_size, config.embedding_size, config.hidden_size
        dtype = numpy.dtype(config.dtype)

        def scaled_normal(shape, fan_in):
            # 1/sqrt(fan_in) keeps each layer's output variance near its input's.
            return xp.asarray(rng.standard_normal(shape) / numpy.sqrt(fan_in), dtype=dtype)

        self.config = config
        self.params = {
            "W_init": scaled_normal((2 * H, F), F),  # torch.nn.Linear's (out, in) layout
            "b_init": xp.zeros(2 * H, dtype=dtype),
            "W_context": scaled_normal((E, F), F),
            "b_context": xp.zeros(E, dtype=dtype),
            "W_embed": xp.asarray(rng.standard_normal((V, E)) * 0.1, dtype=dtype),
            "Wx": scaled_normal((2 * E, 4 * H), 2 * E),
            "Wh": scaled_normal((H, 4 * H), H),
            "b": xp.zeros(4 * H, dtype=dtype),
            "W_vocab": scaled_normal((H, V), H),
            "b_vocab": xp.zeros(V, dtype=dtype),
        }
        self.params["b"][H : 2 * H] = 1.0  # forget-gate bias 1: remember by default
        self.grads = {name: xp.zeros_like(value) for name, value in self.params.items()}

    def initial_state(self, features):
        """features: (N, F). Returns h0, c0: (N, H) each, the context (N, E) and the affines' caches."""
        check_shape("features", features, ("N", self.config.feature_size))
        p, H = self.params, self.config.hidden_size
        state, state_cache = linear_forward(features, p["W_init"], p["b_init"])
        context, context_cache = linear_forward(features, p["W_context"], p["b_context"])
        return state[:, :H], state[:, H:], context, (state_cache, context_cache)

    def loss(self, features, captions):
        """Teacher-forced loss of the captions given the image features.

        features: (N, F) float; captions: (N, T + 1) int ids "<start> w1 ... <end> <pad>...".
        Returns loss (float) and dfeatures (N, F); fills self.grads.
        """
        check_shape("captions", captions, (features.shape[0], "T+1"))
        p = self.params
        inputs, targets = captions[:, :-1], captions[:, 1:]
        mask = targets != PAD_ID

        h0, c0, context, (state_cache, context_cache) = self.initial_state(features)
        embedded, embed_cache = word_embedding_forward(inputs, p["W_embed"])
        hidden, lstm_cache = lstm_forward_with_cell(with_context(embedded, context), h0, c0,
                                                    p["Wx"], p["Wh"], p["b"])
        scores, vocab_cache = temporal_affine_forward(hidden, p["W_vocab"], p["b_vocab"])
        loss, dscores = temporal_softmax_loss(scores, targets, mask)

        g = self.grads
        dhidden, g["W_vocab"], g["b_vocab"] = temporal_affine_backward(dscores, vocab_cache)
        dinputs, dh0, dc0, g["Wx"], g["Wh"], g["b"] = lstm_backward_with_cell(dhidden, lstm_cache)
        E = self.config.embedding_size
        g["W_embed"] = word_embedding_backward(dinputs[:, :, :E], embed_cache)
        # the context is every step's input: its gradient is the sum over the steps
        dcontext = dinputs[:, :, E:].sum(axis=1)
        dfeatures, g["W_context"], g["b_context"] = linear_backward(dcontext, context_cache)
        dstate = array_module(dh0).concatenate([dh0, dc0], axis=1)
        dfeatures_from_state, g["W_init"], g["b_init"] = linear_backward(dstate, state_cache)
        return loss, dfeatures + dfeatures_from_state

    def step(self, words, h, c, context):
        """One decoding step. words: (N,) int ids; h, c: (N, H); context: (N, E) from initial_state.

        Returns scores (N, V), next h, next c, and the step's gate activations
        {'i', 'f', 'g', 'o', 'c', 'h'}: each (N, H).
        """
        p = self.params
        embedded, _ = word_embedding_forward(words[:, None], p["W_embed"])
        inputs = with_context(embedded, context)[:, 0]
        h, c, cache = lstm_step_forward_fused(inputs, h, c, p["Wx"], p["Wh"], p["b"])
        scores = h @ p["W_vocab"] + p["b_vocab"]
        gates = {name: cache[name] for name in ("i", "f", "g", "o", "c", "h")}
        return scores, h, c, gates



def with_context(embedded, context):
    """Each step's LSTM input: the word embedding beside the image context.

    embedded: (N, T, E); context: (N, E). Returns (N, T, 2E).
    """
    xp = array_module(embedded)
    N, T, E = embedded.shape
    return xp.concatenate([embedded, xp.broadcast_to(context[:, None, :], (N, T, context.shape[1]))], axis=2)
