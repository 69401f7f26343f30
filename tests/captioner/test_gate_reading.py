"""Lining gates up with words, and ranking units by the words they answer to."""

import numpy as np
import pytest

from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import caption_gates, greedy_decode
from captioner.encoder import frozen_resnet50_config
from captioner.gate_reading import WORD_CLASSES, decode_with_gates, rows_for_words, unit_preference
from captioner.model import Captioner
from captioner.vocabulary import SPECIAL_TOKENS, Vocabulary
from numerics import rel_error

WORDS = ("a", "small", "red", "circle", "above", "large", "blue", "square")


def fake_caption(words, H=4, marked_unit=2, chosen=("red", "blue")):
    """(words, gates) whose h is 1 in `marked_unit` at the steps reading a chosen word, else 0.

    The other units hold the step number, the same whatever the word.
    """
    h = np.tile(np.arange(len(words) + 1, dtype=float)[:, None], (1, H))
    h[:, marked_unit] = 0.0
    for k, word in enumerate(words):
        if word in chosen:
            h[k + 1, marked_unit] = 1.0  # row k + 1 reads words[k]
    return list(words), {"h": h}


def test_reading_and_predicting_rows():
    values = np.arange(4)[:, None] * np.ones((1, 2))  # row t holds t
    words = ["a", "red", "circle"]
    assert rows_for_words(values, words, "reading")[:, 0].tolist() == [1, 2, 3]
    assert rows_for_words(values, words, "predicting")[:, 0].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="align"):
        rows_for_words(values, words, "after")
    with pytest.raises(ValueError, match="4 rows"):
        rows_for_words(values[:3], words)


def test_preference_finds_the_unit_marked_at_colour_words():
    captions = [fake_caption(["a", "small", "red", "circle"]),
                fake_caption(["a", "large", "blue", "square", "above", "a", "small", "red", "cross"])]
    preference = unit_preference(captions, "h", WORD_CLASSES["colour"])
    # Unit 2: 1 at each of the 3 colour words, 0 at the 10 others.
    assert preference[2] == pytest.approx(1.0)
    assert int(np.argmax(preference)) == 2
    # Lined up with the word each step predicts, the marked rows fall on the word after each
    # colour: 0 at the colour words, 1 at 3 of the 10 others.
    shifted = unit_preference(captions, "h", WORD_CLASSES["colour"], align="predicting")
    assert shifted[2] == pytest.approx(-0.3)


def test_preference_needs_both_kinds_of_word():
    captions = [fake_caption(["a", "small", "circle"])]
    with pytest.raises(ValueError, match="0 of their 3 words"):
        unit_preference(captions, "h", WORD_CLASSES["colour"])


def test_word_classes_do_not_overlap():
    words = [word for members in WORD_CLASSES.values() for word in members]
    assert len(words) == len(set(words))


def test_decode_with_gates_matches_greedy_decoding_and_caption_gates():
    vocabulary = Vocabulary(SPECIAL_TOKENS + WORDS)
    config = DecoderConfig(len(vocabulary), feature_size=6, embedding_size=4, hidden_size=5, dtype="float64")
    decoder = CaptionDecoder(config, seed=3)
    rng = np.random.default_rng(4)
    for value in decoder.params.values():
        value += rng.standard_normal(value.shape)
    features = rng.standard_normal((3, 6))
    captioner = Captioner(decoder, frozen_resnet50_config())
    captions = decode_with_gates(captioner, features, vocabulary, max_length=6)
    for index, (ids, (words, gates)) in enumerate(zip(greedy_decode(decoder, features, 6), captions)):
        assert [vocabulary.id_of(word) for word in words] == list(ids)  # one word per step
        expected = caption_gates(decoder, features[index : index + 1], ids)
        assert set(gates) == {"i", "f", "g", "o", "c", "h"}
        assert gates["c"].shape == (len(words) + 1, 5)
        assert rel_error(gates["c"], expected["c"]) == 0.0
