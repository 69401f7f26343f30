"""The caption decoder: every parameter's gradient, and the loss assembled by hand from the LSTM layer."""

import numpy as np
import pytest

import lstm
from captioner.decoder import CaptionDecoder, DecoderConfig
from numerics import numerical_gradient, rel_error, to_host

CONFIG = DecoderConfig(vocabulary_size=9, feature_size=5, embedding_size=4, hidden_size=3, dtype="float64")
CAPTIONS = np.array([[1, 5, 6, 7, 2, 0], [1, 4, 4, 2, 0, 0], [1, 8, 2, 0, 0, 0]])


def random_decoder(xp, seed=0):
    decoder = CaptionDecoder(CONFIG, seed=seed, xp=xp)
    rng = np.random.default_rng(seed + 1)
    for value in decoder.params.values():  # move off the zero biases so that every term matters
        value += xp.asarray(rng.standard_normal(value.shape) * 0.3)
    return decoder


@pytest.mark.needs_exercises(12)  # lstm_backward_with_cell
def test_every_parameter_and_the_features_pass_a_gradient_check(xp):
    decoder = random_decoder(xp)
    features = xp.asarray(np.random.default_rng(2).standard_normal((3, 5)))
    captions = xp.asarray(CAPTIONS)
    _, dfeatures = decoder.loss(features, captions)
    analytic = {name: grad.copy() for name, grad in decoder.grads.items()}
    assert set(analytic) == set(decoder.params)
    for name, value in decoder.params.items():
        numeric = numerical_gradient(lambda: decoder.loss(features, captions)[0], value)
        assert rel_error(analytic[name], numeric) < 1e-7, name
    numeric = numerical_gradient(lambda: decoder.loss(features, captions)[0], features)
    assert rel_error(dfeatures, numeric) < 1e-7


def naive_state(p, features):
    """h0, c0 = the two halves of features W_init^T + b_init."""
    state = features @ p["W_init"].T + p["b_init"]
    return state[:, :3], state[:, 3:]


def naive_inputs(p, features):
    """Each step's input: the previous word's embedding, then features W_context^T + b_context."""
    context = features @ p["W_context"].T + p["b_context"]
    words = p["W_embed"][CAPTIONS[:, :-1]]
    return np.concatenate([words, np.repeat(context[:, None], words.shape[1], axis=1)], axis=2)


@pytest.mark.needs_exercises(12)
def test_loss_matches_one_assembled_by_hand():
    decoder = random_decoder(np)
    p = decoder.params
    features = np.random.default_rng(3).standard_normal((3, 5))
    loss, _ = decoder.loss(features, CAPTIONS)
    h, _ = lstm.lstm_forward_with_cell(naive_inputs(p, features), *naive_state(p, features),
                                       p["Wx"], p["Wh"], p["b"])
    total = 0.0
    for n in range(3):
        for t in range(CAPTIONS.shape[1] - 1):
            target = CAPTIONS[n, t + 1]
            if target != 0:
                scores = h[n, t] @ p["W_vocab"] + p["b_vocab"]
                total -= scores[target] - np.log(np.exp(scores).sum())
    assert loss == pytest.approx(total / 3, rel=1e-12)


def test_step_agrees_with_the_teacher_forced_sequence(xp):
    decoder = random_decoder(xp)
    p = decoder.params
    features = xp.asarray(np.random.default_rng(4).standard_normal((3, 5)))
    captions = xp.asarray(CAPTIONS)
    state = decoder.start(features)
    host = {name: to_host(value) for name, value in p.items()}
    host_features = to_host(features)
    h0, c0 = naive_state(host, host_features)
    expected_h, _ = lstm.lstm_forward_with_cell(naive_inputs(host, host_features), h0, c0,
                                                host["Wx"], host["Wh"], host["b"])
    for t in range(CAPTIONS.shape[1] - 1):
        scores, state, gates = decoder.step(captions[:, t], state)
        assert set(gates) == {"i", "f", "g", "o", "c", "h"}
        assert rel_error(scores, expected_h[:, t] @ host["W_vocab"] + host["b_vocab"]) < 1e-12


def test_bad_shapes_are_named(xp):
    decoder = random_decoder(xp)
    with pytest.raises(ValueError, match=r"features must have shape \(N, 5\)"):
        decoder.loss(xp.zeros((3, 4)), xp.asarray(CAPTIONS))
    with pytest.raises(ValueError, match="captions must have shape"):
        decoder.loss(xp.zeros((2, 5)), xp.asarray(CAPTIONS))
