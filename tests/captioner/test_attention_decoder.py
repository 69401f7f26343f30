"""The decoder with attention over a grid of cells: every parameter's gradient (penalty included),
the loss against a naive reference written here, and decoding steps equal to the sequence."""

import numpy as np
import pytest

from captioner.decoder import CaptionDecoder, DecoderConfig
from numerics import numerical_gradient, rel_error, to_host
from tests.lstm.reference import logistic, naive_lstm_step

CONFIG = DecoderConfig(vocabulary_size=9, feature_size=5, embedding_size=4, hidden_size=3, dtype="float64",
                       context="attention", attention_penalty=0.7)
CAPTIONS = np.array([[1, 5, 6, 7, 2, 0], [1, 4, 4, 2, 0, 0], [1, 8, 2, 0, 0, 0]])
CELLS = 4


def random_decoder(xp, seed=0):
    decoder = CaptionDecoder(CONFIG, seed=seed, xp=xp)
    rng = np.random.default_rng(seed + 1)
    for value in decoder.params.values():  # move off the zero biases so that every term matters
        value += xp.asarray(rng.standard_normal(value.shape) * 0.3)
    return decoder


def grid(seed):
    return np.random.default_rng(seed).standard_normal((3, CELLS, 5))


@pytest.mark.needs_exercises(12, 21, 22, 24)  # the fused step's backward, the attention scores
def test_every_parameter_and_the_grid_pass_a_gradient_check(xp):
    decoder = random_decoder(xp)
    features, captions = xp.asarray(grid(2)), xp.asarray(CAPTIONS)
    _, dfeatures = decoder.loss(features, captions)
    analytic = {name: grad.copy() for name, grad in decoder.grads.items()}
    assert set(analytic) == set(decoder.params)
    assert {"W_attend_grid", "W_attend_h", "w_attend", "W_beta"} <= set(analytic)
    for name, value in decoder.params.items():
        numeric = numerical_gradient(lambda: decoder.loss(features, captions)[0], value)
        assert rel_error(analytic[name], numeric) < 1e-7, name
    numeric = numerical_gradient(lambda: decoder.loss(features, captions)[0], features)
    assert rel_error(dfeatures, numeric) < 1e-7


# The 2 x 2 grid's cells, row by row, and where each is: (row, column) from -1 to 1.
POSITIONS = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])


def naive_loss(p, features):
    """The attention decoder's loss, one picture and one step at a time, from the equations."""
    total, H = 0.0, 3
    A = np.concatenate([features, np.broadcast_to(POSITIONS, (len(features), CELLS, 2))], axis=2)
    for n in range(A.shape[0]):
        state = features[n].mean(axis=0) @ p["W_init"].T + p["b_init"]
        h, c = state[None, :H], state[None, H:]
        looked = np.zeros(CELLS)
        for t in range(CAPTIONS.shape[1] - 1):
            target = CAPTIONS[n, t + 1]
            scores = np.array([np.tanh(A[n, cell] @ p["W_attend_grid"] + p["b_attend"]
                                       + h[0] @ p["W_attend_h"]) @ p["w_attend"] for cell in range(CELLS)])
            alpha = np.exp(scores) / np.exp(scores).sum()
            beta = logistic(h[0] @ p["W_beta"][:, 0] + p["b_beta"][0])
            context = beta * sum(alpha[cell] * A[n, cell] for cell in range(CELLS))
            x = np.concatenate([p["W_embed"][CAPTIONS[n, t]], context])[None]
            h, c, _ = naive_lstm_step(x, h, c, p["Wx"], p["Wh"], p["b"])
            if target != 0:
                looked += alpha
                word_scores = np.concatenate([h[0], context]) @ p["W_vocab"] + p["b_vocab"]
                total -= word_scores[target] - np.log(np.exp(word_scores).sum())
        total += CONFIG.attention_penalty * ((1 - looked) ** 2).sum()
    return total / A.shape[0]


@pytest.mark.needs_exercises(12, 21, 22, 24)
def test_loss_matches_a_naive_reference():
    decoder = random_decoder(np)
    features = grid(3)
    loss, _ = decoder.loss(features, CAPTIONS)
    assert loss == pytest.approx(naive_loss(decoder.params, features), rel=1e-12)


@pytest.mark.needs_exercises(21)
def test_decoding_steps_equal_the_sequence_and_attention_sums_to_one(xp):
    decoder = random_decoder(xp)
    features, captions = xp.asarray(grid(4)), xp.asarray(CAPTIONS)
    scores, cache = decoder.forward(features, captions[:, :-1])
    recorded = decoder.recorded(cache)
    state = decoder.start(features)
    for t in range(CAPTIONS.shape[1] - 1):
        step_scores, state, step = decoder.step(captions[:, t], state)
        assert rel_error(step_scores, scores[:, t]) < 1e-12
        for name in ("i", "f", "g", "o", "c", "h", "alpha"):
            assert rel_error(step[name], recorded[name][:, t]) < 1e-12
    np.testing.assert_allclose(to_host(recorded["alpha"]).sum(axis=2), 1.0, rtol=1e-12)
    words = decoder.read_caption(features[:1], [5, 6])
    assert words["alpha"].shape == (3, CELLS) and words["f"].shape == (3, 3)


def test_a_pooled_vector_is_refused_by_attention(xp):
    decoder = random_decoder(xp)
    with pytest.raises(ValueError, match=r"features must have shape \(N, L, 5\)"):
        decoder.loss(xp.zeros((3, 5)), xp.asarray(CAPTIONS))
