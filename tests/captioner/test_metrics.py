import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from captioner.metrics import (
    clipped_ngram_matches,
    corpus_bleu,
    object_naming_accuracy,
    object_naming_by_count,
)

# A corpus of three images, BLEU worked out by hand below.
HAND_REFERENCES = [
    [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]],
    [["dog", "runs"], ["a", "brown", "dog", "runs"]],
    [["a", "bird", "flies", "away"], ["one", "bird", "in", "the", "sky"]],
]
HAND_HYPOTHESES = [
    ["the", "cat", "the", "cat", "on", "the", "mat"],
    ["a", "dog", "runs"],
    ["a", "bird"],
]


@pytest.mark.exercise(17)
def test_clipped_matches_of_the_hand_computed_example():
    # Image 1 of the example below: (clipped matches, hypothesis n-grams) for n = 1 .. 4.
    references, hypothesis = HAND_REFERENCES[0], HAND_HYPOTHESES[0]
    counts = [clipped_ngram_matches(references, hypothesis, n) for n in (1, 2, 3, 4)]
    assert counts == [(5, 7), (4, 6), (2, 5), (1, 4)]
    assert clipped_ngram_matches(HAND_REFERENCES[2], HAND_HYPOTHESES[2], 3) == (0, 0)


@pytest.mark.needs_exercises(17, 18)  # graded alone in test_corpus_bleu.py
def test_corpus_bleu_equals_a_hand_computed_example():
    # Image 1, hypothesis "the cat the cat on the mat" (7 words):
    #   1-grams: the x3, cat x2, on, mat = 7; clipped by the most in ONE reference: the 2 (ref 1), cat 1,
    #            on 1, mat 1 -> 5
    #   2-grams: "the cat" x2, "cat the", "cat on", "on the", "the mat" = 6; clipped: the cat 1, cat the 0,
    #            cat on 1 (ref 2), on the 1, the mat 1 -> 4
    #   3-grams: the cat the, cat the cat, the cat on, cat on the, on the mat = 5;
    #            matches: cat on the (ref 2), on the mat -> 2
    #   4-grams: the cat the cat, cat the cat on, the cat on the, cat on the mat = 4;
    #            matches: cat on the mat -> 1
    #   reference lengths 6 and 7, closest to 7: 7
    # Image 2, "a dog runs" (3 words): 1-grams 3 of 3; 2-grams "a dog" 0, "dog runs" 1 -> 1 of 2;
    #   3-grams 0 of 1; 4-grams 0 of 0. Reference lengths 2 and 4 are equally close to 3: take the shorter, 2.
    # Image 3, "a bird" (2 words): 1-grams 2 of 2; 2-grams "a bird" 1 of 1; no 3- or 4-grams.
    #   Reference lengths 4 and 5, closest to 2: 4.
    # Pooled: p1 = (5+3+2)/(7+3+2) = 10/12, p2 = (4+1+1)/(6+2+1) = 6/9, p3 = (2+0)/(5+1) = 2/6,
    #   p4 = 1/4. c = 7+3+2 = 12 < r = 7+2+4 = 13, so BP = exp(1 - 13/12).
    p1, p2, p3, p4 = 10 / 12, 6 / 9, 2 / 6, 1 / 4
    brevity = math.exp(1 - 13 / 12)
    expected = {
        1: brevity * p1,
        2: brevity * (p1 * p2) ** (1 / 2),
        3: brevity * (p1 * p2 * p3) ** (1 / 3),
        4: brevity * (p1 * p2 * p3 * p4) ** (1 / 4),
    }
    scores = corpus_bleu(HAND_REFERENCES, HAND_HYPOTHESES)
    assert scores.keys() == expected.keys()
    for n in expected:
        assert scores[n] == pytest.approx(expected[n], rel=1e-12)


@pytest.mark.needs_exercises(17, 18)
def test_special_tokens_never_count():
    hypotheses = [["<start>", *HAND_HYPOTHESES[0], "<end>", "<pad>"], *HAND_HYPOTHESES[1:]]
    references = [[["<start>", *HAND_REFERENCES[0][0], "<end>"], HAND_REFERENCES[0][1]], *HAND_REFERENCES[1:]]
    assert corpus_bleu(references, hypotheses) == corpus_bleu(HAND_REFERENCES, HAND_HYPOTHESES)


@pytest.mark.needs_exercises(17, 18)
def test_a_precision_of_zero_makes_that_and_longer_bleu_zero():
    scores = corpus_bleu([[["a", "b", "c", "d"]]], [["a", "b", "c", "x"]])
    # p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0/1; equal lengths, so BP = 1.
    assert scores[3] == pytest.approx((3 / 4 * 2 / 3 * 1 / 2) ** (1 / 3))
    assert scores[4] == 0.0
    assert corpus_bleu([[["a", "b"]]], [["x", "y"]], max_n=2) == {1: 0.0, 2: 0.0}
    assert corpus_bleu([[["a", "b"]]], [[]]) == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}


def random_corpus(rng, images):
    words = [f"w{index}" for index in range(6)]

    def sentence(shortest):
        return rng.choice(words, rng.integers(shortest, 13)).tolist()

    references = [[sentence(2) for _ in range(rng.integers(1, 5))] for _ in range(images)]
    # nltk counts a hypothesis with no n-grams as having one (its denominator is max(1, count)), which
    # papers do not; hypotheses of at least 4 words keep that difference out of the comparison.
    return references, [sentence(4) for _ in range(images)]


@pytest.mark.needs_exercises(17, 18)
@pytest.mark.parametrize("seed", range(5))
def test_corpus_bleu_equals_nltk(seed):
    bleu_score = pytest.importorskip("nltk.translate.bleu_score")
    references, hypotheses = random_corpus(np.random.default_rng(seed), images=5 + 10 * seed)
    scores = corpus_bleu(references, hypotheses)
    weights = {1: (1, 0, 0, 0), 2: (0.5, 0.5, 0, 0), 3: (1 / 3, 1 / 3, 1 / 3, 0), 4: (0.25, 0.25, 0.25, 0.25)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when a higher-order precision is 0
        for n, weight in weights.items():
            assert scores[n] == pytest.approx(
                bleu_score.corpus_bleu(references, hypotheses, weight), abs=1e-12
            )


sentences = st.lists(
    st.sampled_from(["a", "red", "circle", "big", "blue", "square"]), min_size=1, max_size=10
)


@pytest.mark.needs_exercises(17, 18)
@given(
    st.lists(st.tuples(sentences, st.lists(sentences, max_size=3), st.integers(0, 3)), min_size=1, max_size=5)
)
def test_hypotheses_equal_to_a_reference_of_their_own_length_score_one(images):
    references, hypotheses = [], []
    for hypothesis, others, position in images:
        # Other references of other lengths: the closest one is the copy, so BP stays 1.
        others = [other for other in others if len(other) != len(hypothesis)]
        references.append(others[:position] + [hypothesis] + others[position:])
        hypotheses.append(hypothesis)
    if min(len(hypothesis) for hypothesis in hypotheses) >= 4:
        assert corpus_bleu(references, hypotheses) == pytest.approx({1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0})
    assert corpus_bleu(references, hypotheses, max_n=1) == pytest.approx({1: 1.0})


@pytest.mark.needs_exercises(17, 18)
@given(st.lists(st.tuples(st.lists(sentences, min_size=1, max_size=3), sentences), min_size=1, max_size=5))
def test_bleu_lies_between_zero_and_one(images):
    references, hypotheses = zip(*images)
    for score in corpus_bleu(list(references), list(hypotheses)).values():
        assert 0.0 <= score <= 1.0


def test_bleu_bad_input_is_named():
    with pytest.raises(ValueError, match="one entry per image, got 2 and 1"):
        corpus_bleu([[["a"]], [["b"]]], [["a"]])
    with pytest.raises(ValueError, match=r"hypotheses\[0\] must be a token list, got the string 'a b'"):
        corpus_bleu([[["a", "b"]]], ["a b"])
    with pytest.raises(ValueError, match=r"references\[0\] must be a non-empty list"):
        corpus_bleu([[]], [["a"]])
    with pytest.raises(ValueError, match=r"references\[0\] must hold token lists"):
        corpus_bleu([["a b"]], [["a"]])
    with pytest.raises(ValueError, match="max_n must be an int >= 1, got 0"):
        corpus_bleu([[["a"]]], [["a"]], max_n=0)


def thing(size, colour, shape):
    return SimpleNamespace(size=size, colour=colour, shape=shape)


def test_object_naming_accuracy_counts_colour_shape_phrases():
    scenes = [
        [thing("small", "red", "circle"), thing("large", "blue", "square")],
        [thing("small", "green", "cross")],
        [thing("small", "red", "circle"), thing("large", "red", "circle")],
    ]
    captions = [
        "a large red circle to the left of a small blue square",  # both named (sizes wrong, not scored)
        ["a", "green", "square"],  # right colour, wrong shape: not named
        "a small red circle , a small red triangle",  # "red circle" once: one of the two red circles
    ]
    assert object_naming_accuracy(captions, scenes) == pytest.approx(3 / 5)
    # With sizes: "large red circle" (not in scene 1), "small blue square" (blue square is large) miss;
    # scene 3 "small red circle" names the small one.
    assert object_naming_accuracy(captions, scenes, with_size=True) == pytest.approx(1 / 5)


def test_object_naming_accuracy_bad_input():
    with pytest.raises(ValueError, match="same length, got 1 and 0"):
        object_naming_accuracy(["a red circle"], [])
    with pytest.raises(ValueError, match="no objects"):
        object_naming_accuracy(["a red circle"], [[]])


def test_objects_named_by_object_count():
    red_circle = SimpleNamespace(colour="red", shape="circle")
    blue_square = SimpleNamespace(colour="blue", shape="square")
    scenes = [[red_circle], [red_circle, blue_square], [blue_square], [red_circle, blue_square]]
    captions = ["a small red circle", "a red circle above a green square", "a blue cross",
                "a blue square beside a red circle"]
    # one object: 1 of 2 named; two objects: 1 + 2 of 4 named
    assert object_naming_by_count(captions, scenes) == {"1": 0.5, "2": 0.75}
