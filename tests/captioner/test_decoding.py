"""Greedy decoding and beam search against an exhaustive search over every caption.

Beam search is checked twice: as beam_search runs it (all images in one batch) and image by
image, as course exercise 16 (decoding._search_one) writes it.
"""

import itertools

import numpy as np
import pytest

from captioner.batched_beam_search import STOP_CHECK_INTERVAL, batched_beam_search
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import (
    _search_one,
    beam_alternatives,
    beam_search,
    caption_gates,
    greedy_decode,
    word_probabilities,
)
from captioner.vocabulary import END_ID, START_ID
from numerics import array_module, rel_error, strict, to_host

V = 6
CONFIG = DecoderConfig(vocabulary_size=V, feature_size=4, embedding_size=3, hidden_size=5, dtype="float64")


def decoder_and_features(xp, seed):
    decoder = CaptionDecoder(CONFIG, seed=seed, xp=xp)
    rng = np.random.default_rng(seed)
    for value in decoder.params.values():
        value += xp.asarray(rng.standard_normal(value.shape))
    return decoder, xp.asarray(rng.standard_normal((2, 4)))


def log_probability(decoder, features, words):
    """Sum of the log-probabilities of `words` (ending with END or not), one step at a time."""
    xp = array_module(features)
    state = decoder.start(features)
    previous, total = START_ID, 0.0
    for word in words:
        scores, state, _ = decoder.step(xp.asarray([previous]), state)
        scores = to_host(scores)[0]
        total += scores[word] - scores.max() - np.log(np.exp(scores - scores.max()).sum())
        previous = word
    return total


def exhaustive_ranking(decoder, features, max_length, length_penalty=0.0):
    """Every caption of at most max_length - 1 words followed by <end>, as (score, words), best first."""
    words = [w for w in range(V) if w != END_ID]
    ranked = [(log_probability(decoder, features, [*caption, END_ID]) / (length + 1) ** length_penalty,
               list(caption))
              for length in range(max_length) for caption in itertools.product(words, repeat=length)]
    return sorted(ranked, key=lambda item: item[0], reverse=True)


def image_by_image(decoder, features, beam_width=3, max_length=20, length_penalty=0.0):
    """beam_search's answer from exercise 16's one-image search: N lists of word ids."""
    return [_search_one(decoder, features[n : n + 1], beam_width, max_length, length_penalty)[0][1]
            for n in range(features.shape[0])]


SEARCHES = [pytest.param(beam_search, id="batched", marks=pytest.mark.exercise(16)),
            pytest.param(image_by_image, id="image_by_image", marks=pytest.mark.exercise(16))]


def exhaustive_best(decoder, features, max_length, length_penalty=0.0):
    """The best finished caption among all of at most max_length - 1 words followed by <end>."""
    return exhaustive_ranking(decoder, features, max_length, length_penalty)[0][1]


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_finds_the_best_caption(xp, search, seed, length_penalty):
    decoder, features = decoder_and_features(xp, seed)
    found = search(decoder, features, beam_width=200, max_length=3, length_penalty=length_penalty)
    for n in range(2):
        assert found[n] == exhaustive_best(decoder, features[n : n + 1], 3, length_penalty)


@pytest.mark.parametrize("search", SEARCHES)
def test_beam_of_width_one_is_greedy(xp, search):
    for seed in range(4):
        decoder, features = decoder_and_features(xp, seed)
        greedy = greedy_decode(decoder, features, 6)
        assert search(decoder, features, beam_width=1, max_length=6) == greedy


def test_greedy_takes_the_most_likely_word_each_step(xp):
    decoder, features = decoder_and_features(xp, 5)
    caption = greedy_decode(decoder, features[:1], 4)[0]
    prefix = []
    for word in caption + ([END_ID] if len(caption) < 4 else []):
        candidates = [log_probability(decoder, features[:1], [*prefix, w]) for w in range(V)]
        assert word == int(np.argmax(candidates))
        prefix.append(word)


@pytest.mark.parametrize("search", SEARCHES)
def test_without_an_end_the_best_partial_caption_is_returned(xp, search):
    decoder, features = decoder_and_features(xp, 3)
    decoder.params["b_vocab"][END_ID] = -1e9  # <end> can never win
    for width in (1, 3):
        found = search(decoder, features[:1], beam_width=width, max_length=4)[0]
        assert len(found) == 4 and END_ID not in found
    assert greedy_decode(decoder, features[:1], 4)[0] == search(decoder, features[:1], 1, 4)[0]


@pytest.mark.exercise(16)
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_ranks_every_caption(xp, length_penalty):
    decoder, features = decoder_and_features(xp, 6)
    alternatives = beam_alternatives(decoder, features[:1], beam_width=200, max_length=3,
                                     length_penalty=length_penalty)
    expected = exhaustive_ranking(decoder, features[:1], 3, length_penalty)
    assert [words for _, words in alternatives] == [words for _, words in expected]
    assert np.allclose([score for score, _ in alternatives], [score for score, _ in expected], atol=1e-9)


@pytest.mark.exercise(16)
@pytest.mark.parametrize("seed", [0, 1, 7])  # no caption ends, one does, two do
def test_beam_alternatives_are_the_beams_best_captions(xp, seed):
    """Width 3: the first is beam_search's caption; each score is its caption's log-probability,
    <end> included when it finished (a caption of max_length words never did)."""
    decoder, features = decoder_and_features(xp, seed)
    alternatives = beam_alternatives(decoder, features[:1], beam_width=3, max_length=6)
    assert alternatives[0][1] == beam_search(decoder, features[:1], beam_width=3, max_length=6)[0]
    assert 1 <= len(alternatives) <= 3
    scores = [score for score, _ in alternatives]
    assert scores == sorted(scores, reverse=True)
    for score, words in alternatives:
        ending = [END_ID] if len(words) < 6 else []
        assert abs(score - log_probability(decoder, features[:1], [*words, *ending])) < 1e-9
    assert len({tuple(words) for _, words in alternatives}) == len(alternatives)


@pytest.mark.exercise(16)
def test_without_an_end_the_alternatives_are_partial_captions(xp):
    decoder, features = decoder_and_features(xp, 3)
    decoder.params["b_vocab"][END_ID] = -1e9
    alternatives = beam_alternatives(decoder, features[:1], beam_width=3, max_length=4)
    assert len(alternatives) == 3 and all(len(words) == 4 for _, words in alternatives)
    for score, words in alternatives:
        assert abs(score - log_probability(decoder, features[:1], words)) < 1e-9


def test_beam_alternatives_take_one_picture(xp):
    decoder, features = decoder_and_features(xp, 0)
    with pytest.raises(ValueError, match="features"):
        beam_alternatives(decoder, features, beam_width=2)


def decoder_for_batches(xp, context, seed, end_bias, images=5):
    """A random decoder of 7 words and the features of `images` pictures; end_bias moves <end>'s
    score (-1e9: it never wins)."""
    config = DecoderConfig(vocabulary_size=7, feature_size=4, embedding_size=3, hidden_size=5,
                           dtype="float64", context=context)
    decoder = CaptionDecoder(config, seed=seed, xp=xp)
    rng = np.random.default_rng(seed)
    for value in decoder.params.values():
        value += xp.asarray(rng.standard_normal(value.shape))
    decoder.params["b_vocab"][END_ID] += end_bias
    shape = (images, 4) if context == "pooled" else (images, 4, 4)  # attention: a 2 x 2 grid
    return decoder, xp.asarray(rng.standard_normal(shape))


# The pooled case grades exercise 16; the attention case also runs attention's scores (21).
@pytest.mark.parametrize("context", [pytest.param("pooled", marks=pytest.mark.exercise(16)),
                                     pytest.param("attention", marks=pytest.mark.needs_exercises(16, 21))])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
@pytest.mark.parametrize("end_bias", [-1e9, 0.0, 2.0])  # never, sometimes, soon
def test_the_batch_finds_what_each_image_alone_finds(xp, context, length_penalty, end_bias):
    """beam_search's batched search gives every image exercise 16's ranked list, scores and all."""
    for seed in range(3):
        decoder, features = decoder_for_batches(xp, context, seed, end_bias)
        for width in (1, 2, 4, 12):  # 12 > V: some of the best are -inf at the first step
            batched = batched_beam_search(decoder, features, width, 7, length_penalty)
            assert len(batched) == 5
            for n, ranked in enumerate(batched):
                alone = _search_one(decoder, features[n : n + 1], width, 7, length_penalty)
                assert [words for _, words in ranked] == [words for _, words in alone]
                assert np.allclose([score for score, _ in ranked], [score for score, _ in alone],
                                   rtol=0, atol=1e-12)


@pytest.mark.exercise(16)
def test_a_batch_of_no_steps_or_no_images(xp):
    decoder, features = decoder_for_batches(xp, "pooled", 0, 0.0)
    assert batched_beam_search(decoder, features, 3, 0, 0.0) == [[(0.0, [])]] * 5
    assert batched_beam_search(decoder, features[:0], 3, 5, 0.0) == []


def test_word_probabilities_are_the_steps_softmax(xp):
    decoder, features = decoder_and_features(xp, 7)
    words = [4, 5, 3]
    probabilities = word_probabilities(decoder, features[:1], words)
    assert probabilities.shape == (4, V)
    for t, word in enumerate([*words, END_ID]):
        expected = np.exp(log_probability(decoder, features[:1], [*words[:t], word])
                          - log_probability(decoder, features[:1], words[:t]))
        assert abs(probabilities[t, word] - expected) < 1e-12
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-12)


def test_caption_gates_follow_the_caption(xp):
    decoder, features = decoder_and_features(xp, 4)
    words = [4, 5, 3]
    gates = caption_gates(decoder, features[:1], words)
    state = decoder.start(features[:1])
    for t, word in enumerate([START_ID, *words]):
        _, state, step = decoder.step(xp.asarray([word]), state)
        for name in ("i", "f", "g", "o", "c", "h"):
            assert gates[name].shape == (4, CONFIG.hidden_size)
            assert rel_error(gates[name][t], step[name][0]) < 1e-12


def test_beam_width_must_be_positive(xp):
    decoder, features = decoder_and_features(xp, 0)
    with pytest.raises(ValueError, match="beam_width must be at least 1"):
        beam_search(decoder, features, beam_width=0)


def never_ending(steps):
    """A decoder on the strict backend whose captions never end, its features, and how often
    decoding may look at whether to stop in `steps` steps."""
    decoder, features = decoder_and_features(strict, 3)
    decoder.params["b_vocab"][END_ID] = -1e9  # no caption ends: every step is taken
    return decoder, features, steps // STOP_CHECK_INTERVAL


def test_greedy_decoding_waits_for_the_device_every_few_steps_not_every_step():
    decoder, features, checks = never_ending(12)
    before = strict.synchronisations()
    assert [len(words) for words in greedy_decode(decoder, features, 12)] == [12, 12]
    assert strict.synchronisations() - before == checks + 1  # and one copy of all the words


# The project's batched search; an answer to exercise 16 that searches one picture at a time on the
# host is right, but waits for the device at every step.
@pytest.mark.needs_exercises(16)
def test_beam_search_waits_for_the_device_every_few_steps_not_every_step():
    decoder, features, checks = never_ending(12)
    before = strict.synchronisations()
    assert [len(words) for words in beam_search(decoder, features, beam_width=3, max_length=12)] == [12, 12]
    assert strict.synchronisations() - before <= checks + 2  # and the copies of what each step chose
