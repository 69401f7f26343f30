import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from captioner.vocabulary import END_ID, PAD_ID, SPECIAL_TOKENS, START_ID, UNK_ID, Vocabulary

# Word counts: a 6, dog 3, the 3, cat 2, runs 1.
TRAINING_TOKENS = [
    ["a", "dog", "runs"],
    ["a", "dog", "the", "a"],
    ["the", "cat", "a", "the"],
    ["a", "cat", "dog", "a"],
]


def test_specials_take_ids_0_to_3():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    assert vocabulary.words[:4] == ("<pad>", "<start>", "<end>", "<unk>")
    assert (PAD_ID, START_ID, END_ID, UNK_ID) == (0, 1, 2, 3)
    assert [vocabulary.id_of(token) for token in SPECIAL_TOKENS] == [0, 1, 2, 3]


def test_words_ordered_by_count_then_alphabet_and_min_count_applies():
    everything = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    # Counts from the comment above: a 6; dog and the tie at 3 (alphabetical); cat 2; runs 1.
    assert everything.words[4:] == ("a", "dog", "the", "cat", "runs")
    assert Vocabulary.build(TRAINING_TOKENS, min_count=3).words[4:] == ("a", "dog", "the")
    assert len(Vocabulary.build(TRAINING_TOKENS, min_count=7)) == 4


def test_default_min_count_is_five():
    assert Vocabulary.build(TRAINING_TOKENS).words[4:] == ("a",)


def test_order_does_not_depend_on_the_order_of_the_captions():
    assert Vocabulary.build(TRAINING_TOKENS[::-1], 1) == Vocabulary.build(TRAINING_TOKENS, 1)


def test_unknown_words_map_to_unk():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=3)
    assert vocabulary.id_of("cat") == UNK_ID
    assert "cat" not in vocabulary and "dog" in vocabulary
    ids, _ = vocabulary.encode(["a", "zebra", "dog"], max_length=5)
    assert vocabulary.decode(ids) == ["a", "<unk>", "dog"]


def test_built_from_the_training_split_only():
    captions = {
        "train1.jpg": ["A dog runs.", "A dog sits."],
        "train2.jpg": ["The dog runs!"],
        "val1.jpg": ["A zebra runs.", "A zebra, a zebra."],
    }
    vocabulary = Vocabulary.from_training_captions(captions, ["train1.jpg", "train2.jpg"], min_count=1)
    # Training counts: dog 3, a 2, runs 2, sits 1, the 1. With the validation captions "a" (5) would
    # lead and "zebra" (3) would be in.
    assert vocabulary.words[4:] == ("dog", "a", "runs", "sits", "the")
    assert "zebra" not in vocabulary


def test_training_images_without_captions_are_named():
    with pytest.raises(ValueError, match=r"train_images has 1 images without captions, e\.g\. \['b\.jpg'\]"):
        Vocabulary.from_training_captions({"a.jpg": ["a dog"]}, ["a.jpg", "b.jpg"], min_count=1)


def test_encode_layout_and_mask():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    a, dog, runs = (vocabulary.id_of(word) for word in ("a", "dog", "runs"))
    ids, mask = vocabulary.encode(["a", "dog", "runs"], max_length=5)
    np.testing.assert_array_equal(ids, [START_ID, a, dog, runs, END_ID, PAD_ID, PAD_ID])
    np.testing.assert_array_equal(mask, [True, True, True, True, True, False, False])
    assert ids.dtype == np.int64 and mask.dtype == bool


def test_long_captions_are_cut_keeping_end():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    ids, mask = vocabulary.encode(["a", "dog", "runs", "the", "cat"], max_length=2)
    np.testing.assert_array_equal(ids, [START_ID, vocabulary.id_of("a"), vocabulary.id_of("dog"), END_ID])
    assert mask.all()


def test_encode_batch_rows_equal_encode():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    ids, mask = vocabulary.encode_batch(TRAINING_TOKENS, max_length=3)
    assert ids.shape == mask.shape == (4, 5)
    for row, tokens in enumerate(TRAINING_TOKENS):
        one_ids, one_mask = vocabulary.encode(tokens, max_length=3)
        np.testing.assert_array_equal(ids[row], one_ids)
        np.testing.assert_array_equal(mask[row], one_mask)


def test_decode_stops_at_end_and_skips_start_and_pad():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    a, dog = vocabulary.id_of("a"), vocabulary.id_of("dog")
    assert vocabulary.decode([START_ID, a, PAD_ID, dog, END_ID, a, a]) == ["a", "dog"]
    assert vocabulary.decode(np.array([a, dog])) == ["a", "dog"]
    assert vocabulary.decode_batch(np.array([[START_ID, dog, END_ID], [a, END_ID, dog]])) == [["dog"], ["a"]]


def test_decode_of_device_ids(xp):
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    ids, _ = vocabulary.encode(["the", "cat"], max_length=4)
    assert vocabulary.decode(xp.asarray(ids)) == ["the", "cat"]


@given(st.lists(st.sampled_from(["a", "dog", "the", "cat", "runs"]), max_size=12), st.integers(1, 12))
def test_encode_decode_round_trip(tokens, max_length):
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    ids, mask = vocabulary.encode(tokens, max_length)
    assert vocabulary.decode(ids) == tokens[:max_length]
    assert mask.sum() == min(len(tokens), max_length) + 2


def test_json_round_trip_is_plain_json():
    vocabulary = Vocabulary.build(TRAINING_TOKENS + [["café"]], min_count=1)
    text = vocabulary.to_json()
    assert json.loads(text)["words"] == list(vocabulary.words)
    restored = Vocabulary.from_json(text)
    assert restored == vocabulary and len(restored) == len(vocabulary)
    assert restored != Vocabulary.build(TRAINING_TOKENS, min_count=3)


def test_bad_input_is_named():
    vocabulary = Vocabulary.build(TRAINING_TOKENS, min_count=1)
    with pytest.raises(ValueError, match="max_length must be an int >= 1, got 0"):
        vocabulary.encode(["a"], max_length=0)
    with pytest.raises(ValueError, match="min_count must be an int >= 1, got 0"):
        Vocabulary.build(TRAINING_TOKENS, min_count=0)
    with pytest.raises(
        ValueError, match=r"token_lists\[1\] must be a list of tokens, got the string 'a dog'"
    ):
        vocabulary.encode_batch([["a"], "a dog"], max_length=3)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 9\), got values in \[1, 9\]"):
        vocabulary.decode([1, 9])
    with pytest.raises(ValueError, match=r"ids must be a \(T,\) integer array, got shape \(1, 2\)"):
        vocabulary.decode([[1, 2]])
    with pytest.raises(ValueError, match="must start with"):
        Vocabulary(["a", "<pad>", "<start>", "<end>", "<unk>"])
    with pytest.raises(ValueError, match=r"repeated: \['a'\]"):
        Vocabulary([*SPECIAL_TOKENS, "a", "a"])
    with pytest.raises(ValueError, match="format"):
        Vocabulary.from_json('{"words": ["<pad>"]}')
    with pytest.raises(ValueError, match="not valid JSON"):
        Vocabulary.from_json("{")
