"""The batched beam search (what beam_search runs) finds, for every image, what the one-image
search of course exercise 16 finds, ranked list and all."""

import numpy as np
import pytest

from captioner.batched_beam_search import batched_beam_search
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import _search_one
from captioner.vocabulary import END_ID

V, IMAGES, MAX_LENGTH = 7, 5, 7


def random_decoder(xp, context, seed, end_bias):
    """A decoder with random parameters; end_bias moves <end>'s score (-1e9: it never wins)."""
    config = DecoderConfig(vocabulary_size=V, feature_size=4, embedding_size=3, hidden_size=5,
                           dtype="float64", context=context)
    decoder = CaptionDecoder(config, seed=seed, xp=xp)
    rng = np.random.default_rng(seed)
    for value in decoder.params.values():
        value += xp.asarray(rng.standard_normal(value.shape))
    decoder.params["b_vocab"][END_ID] += end_bias
    shape = (IMAGES, 4) if context == "pooled" else (IMAGES, 4, 4)  # a 2 x 2 grid
    return decoder, xp.asarray(rng.standard_normal(shape))


@pytest.mark.exercise(16)
@pytest.mark.parametrize("context", ["pooled", "attention"])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
@pytest.mark.parametrize("end_bias", [-1e9, 0.0, 2.0])  # never, sometimes, soon
def test_the_batch_finds_what_each_image_alone_finds(xp, context, length_penalty, end_bias):
    for seed in range(3):
        decoder, features = random_decoder(xp, context, seed, end_bias)
        for width in (1, 2, 4, 12):  # 12 > V: some of the best are -inf at the first step
            batched = batched_beam_search(decoder, features, width, MAX_LENGTH, length_penalty)
            assert len(batched) == IMAGES
            for n, ranked in enumerate(batched):
                alone = _search_one(decoder, features[n : n + 1], width, MAX_LENGTH, length_penalty)
                assert [words for _, words in ranked] == [words for _, words in alone]
                assert np.allclose([score for score, _ in ranked], [score for score, _ in alone],
                                   rtol=0, atol=1e-12)


def test_no_steps_and_no_images(xp):
    decoder, features = random_decoder(xp, "pooled", 0, 0.0)
    assert batched_beam_search(decoder, features, 3, 0, 0.0) == [[(0.0, [])]] * IMAGES
    assert batched_beam_search(decoder, features[:0], 3, 5, 0.0) == []
