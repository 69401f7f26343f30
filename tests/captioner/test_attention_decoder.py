"""The decoder with attention over a grid of cells: every parameter's gradient (penalty included),
the loss against a golden value, and decoding steps equal to the sequence."""

import numpy as np
import pytest

from captioner.decoder import CaptionDecoder, DecoderConfig
from numerics import numerical_gradient, rel_error, to_host
from tests.golden import golden
from tests.golden.inputs import ATTENTION_CAPTIONS as CAPTIONS
from tests.golden.inputs import ATTENTION_DECODER, GRID_POSITIONS

CONFIG = DecoderConfig(**ATTENTION_DECODER, dtype="float64", context="attention")
CELLS = len(GRID_POSITIONS)


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


@pytest.mark.needs_exercises(12, 21, 22, 24)
def test_loss_matches_the_golden_value():
    # Weights, features and loss stored in tests/golden: the loss comes from a naive reference
    # that computes every step of every picture from the equations.
    decoder = CaptionDecoder(CONFIG, seed=0, xp=np)
    for name, value in decoder.params.items():
        value[...] = golden(f"attention_decoder_{name}")
    loss, _ = decoder.loss(golden("attention_decoder_features"), CAPTIONS)
    assert loss == pytest.approx(float(golden("attention_decoder_loss")), rel=1e-12)


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
