"""The decoder's two choices, the cell (LSTM, GRU) and the context (pooled, attention), in every
combination: every parameter's gradient, decoding steps equal to the sequence, and the GRU
decoder's loss assembled by hand from the GRU layer (itself checked against golden values)."""

import numpy as np
import pytest

import lstm
from captioner.decoder import CaptionDecoder, DecoderConfig
from numerics import numerical_gradient, rel_error

CAPTIONS = np.array([[1, 5, 6, 7, 2, 0], [1, 4, 4, 2, 0, 0], [1, 8, 2, 0, 0, 0]])
CHOICES = [(cell, context) for cell in ("lstm", "gru") for context in ("pooled", "attention")]


def choices(*attention_exercises):
    """Every (cell, context) pair, marked as needing the course exercises it runs: the GRU's forward
    pass (19) for the GRU, and the given ones of the attention scores (21 forward, 22 backward)."""
    def needed(cell, context):
        return (19,) * (cell == "gru") + attention_exercises * (context == "attention")

    return [pytest.param(cell, context, id=f"{cell}-{context}",
                         marks=[pytest.mark.needs_exercises(*needed(cell, context))] if needed(cell, context)
                         else [])
            for cell, context in CHOICES]


GATES = {"lstm": {"i", "f", "g", "o", "c", "h"}, "gru": {"r", "z", "n", "h"}}


def random_decoder(xp, cell, context, seed=0):
    config = DecoderConfig(vocabulary_size=9, feature_size=5, embedding_size=4, hidden_size=3,
                           dtype="float64", cell=cell, context=context)
    decoder = CaptionDecoder(config, seed=seed, xp=xp)
    rng = np.random.default_rng(seed + 1)
    for value in decoder.params.values():  # move off the zero biases so that every term matters
        value += xp.asarray(rng.standard_normal(value.shape) * 0.3)
    return decoder


def features_for(xp, context, seed):
    shape = (3, 5) if context == "pooled" else (3, 4, 5)
    return xp.asarray(np.random.default_rng(seed).standard_normal(shape))


@pytest.mark.needs_exercises(12, 20, 23, 24)  # the LSTM's and the GRU's backward
@pytest.mark.parametrize(("cell", "context"), choices(21, 22))
def test_every_parameter_and_the_features_pass_a_gradient_check(xp, cell, context):
    decoder = random_decoder(xp, cell, context)
    features, captions = features_for(xp, context, 2), xp.asarray(CAPTIONS)
    _, dfeatures = decoder.loss(features, captions)
    analytic = {name: grad.copy() for name, grad in decoder.grads.items()}
    assert set(analytic) == set(decoder.params)
    for name, value in decoder.params.items():
        numeric = numerical_gradient(lambda: decoder.loss(features, captions)[0], value)
        assert rel_error(analytic[name], numeric) < 1e-7, name
    numeric = numerical_gradient(lambda: decoder.loss(features, captions)[0], features)
    assert rel_error(dfeatures, numeric) < 1e-7


@pytest.mark.parametrize(("cell", "context"), choices(21))
def test_decoding_steps_equal_the_teacher_forced_sequence(xp, cell, context):
    decoder = random_decoder(xp, cell, context)
    features, captions = features_for(xp, context, 4), xp.asarray(CAPTIONS)
    scores, cache = decoder.forward(features, captions[:, :-1])
    recorded = decoder.recorded(cache)
    assert set(recorded) == GATES[cell] | ({"alpha"} if context == "attention" else set())
    state = decoder.start(features)
    for t in range(CAPTIONS.shape[1] - 1):
        step_scores, state, step = decoder.step(captions[:, t], state)
        assert rel_error(step_scores, scores[:, t]) < 1e-12
        for name in recorded:
            assert rel_error(step[name], recorded[name][:, t]) < 1e-12


@pytest.mark.needs_exercises(19, 20)
def test_the_gru_decoder_loss_matches_the_gru_layer():
    decoder = random_decoder(np, "gru", "pooled")
    p = decoder.params
    features = features_for(np, "pooled", 3)
    loss, _ = decoder.loss(features, CAPTIONS)
    h0 = features @ p["W_init"].T + p["b_init"]
    context = features @ p["W_context"].T + p["b_context"]
    words = p["W_embed"][CAPTIONS[:, :-1]]
    inputs = np.concatenate([words, np.repeat(context[:, None], words.shape[1], axis=1)], axis=2)
    h, _ = lstm.gru_forward(inputs, h0, p["Wx"], p["Wh"], p["bx"], p["bh"])
    total = 0.0
    for n in range(3):
        for t in range(CAPTIONS.shape[1] - 1):
            target = CAPTIONS[n, t + 1]
            if target != 0:
                scores = h[n, t] @ p["W_vocab"] + p["b_vocab"]
                total -= scores[target] - np.log(np.exp(scores).sum())
    assert loss == pytest.approx(total / 3, rel=1e-12)


def test_unknown_choices_are_named():
    with pytest.raises(ValueError, match="unknown recurrent cell 'rnn'"):
        CaptionDecoder(DecoderConfig(9, cell="rnn"))
    with pytest.raises(ValueError, match="unknown image context 'mean'"):
        CaptionDecoder(DecoderConfig(9, context="mean"))
